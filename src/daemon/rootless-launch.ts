/**
 * The unprivileged side of rootless mode: runs this same daemon command again inside a user and a
 * mount namespace (build/native/berth-rootless), mapped with newuidmap/newgidmap from the user's
 * /etc/subuid and /etc/subgid ranges, and stays as its parent (signals in, exit code out), as
 * rootlesskit does for dockerd. When a killed daemon left its namespaces behind (their holder
 * still runs), the new daemon joins them instead, and finds the containers that still run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import type { Duplex } from 'node:stream';
import { InvalidArgumentError, UnavailableError, errorMessage } from '../base/errors';
import { nativeToolPath } from '../platform/native-tool';
import { commandExists, run } from '../platform/spawn';
import type { IdMapping } from '../platform/idmap';
import { holderPidFile, liveHolder, newIdMapArgs, rootlessMappings, ROOTLESS_ENV } from '../platform/rootless';

/** Runs the daemon in its namespaces; resolves with its exit code. */
export async function launchRootless(execRoot: string): Promise<number> {
  const uid = process.getuid!();
  const gid = process.getgid!();
  const me = os.userInfo();
  for (const bin of ['newuidmap', 'newgidmap']) {
    if (!(await commandExists(bin))) throw new UnavailableError(`rootless mode needs ${bin} (Debian package uidmap)`);
  }
  const uidMaps = rootlessMappings(uid, await fs.readFile('/etc/subuid', 'utf8').catch(() => ''), me.username);
  if (!uidMaps) throw new InvalidArgumentError(`rootless mode needs a subordinate UID range for ${me.username} in /etc/subuid (e.g. usermod --add-subuids 100000-165535 ${me.username})`);
  const groupName = (await fs.readFile('/etc/group', 'utf8').catch(() => '')).split('\n').find((l) => l.split(':')[2] === String(gid))?.split(':')[0] ?? me.username;
  const subgid = await fs.readFile('/etc/subgid', 'utf8').catch(() => '');
  const gidMaps = rootlessMappings(gid, subgid, me.username) ?? rootlessMappings(gid, subgid, groupName);
  if (!gidMaps) throw new InvalidArgumentError(`rootless mode needs a subordinate GID range for ${me.username} in /etc/subgid (e.g. usermod --add-subgids 100000-165535 ${me.username})`);

  const argv = [process.execPath, ...process.execArgv, ...process.argv.slice(1)];
  await fs.mkdir(execRoot, { recursive: true, mode: 0o700 }); // the holder's pidfile goes there
  const holder = await liveHolder(execRoot);
  const child = spawn(nativeToolPath('berth-rootless'), [...(holder ? ['--join', String(holder)] : ['--holder', holderPidFile(execRoot)]), ...argv], {
    stdio: ['inherit', 'inherit', 'inherit', holder ? 'ignore' : 'pipe'],
    // HOME: setpriv and friends may keep another user's; the daemon's default places derive from it
    env: { ...process.env, [ROOTLESS_ENV]: '1', HOME: process.env.HOME && process.env.HOME !== '/root' ? process.env.HOME : me.homedir },
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  if (!holder) await mapIds(child, exited, uidMaps, gidMaps);
  const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, forward(sig));
  const [code, signal] = await exited;
  return code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1);
}

/** Writes the ID maps of the helper's new user namespace when it asks (fd 3), then lets it go on. */
async function mapIds(child: ChildProcess, exited: Promise<[number | null, NodeJS.Signals | null]>, uidMaps: IdMapping[], gidMaps: IdMapping[]): Promise<void> {
  const sync = child.stdio[3] as Duplex;
  try {
    const [first] = (await Promise.race([once(sync, 'data'), exited.then(() => [undefined])])) as [Buffer | undefined];
    if (!first) throw new UnavailableError('rootless mode: could not create the user namespace (see the message above)');
    await run(['newuidmap', String(child.pid), ...newIdMapArgs(uidMaps)], { timeoutMs: 10_000 });
    await run(['newgidmap', String(child.pid), ...newIdMapArgs(gidMaps)], { timeoutMs: 10_000 });
    sync.end('m');
  } catch (e) {
    child.kill('SIGKILL');
    await exited;
    throw e instanceof UnavailableError ? e : new UnavailableError(`rootless mode: mapping IDs into the user namespace failed: ${errorMessage(e)}`);
  }
}

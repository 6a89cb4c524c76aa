/**
 * A fresh unprivileged user for rootless tests and benches: a system user with a home and
 * subordinate ID ranges of its own, a runtime dir (XDG_RUNTIME_DIR), and commands run as that user.
 * remove() kills every process of the user (by pid), deletes the user, its ranges and its files;
 * it is meant for `after`/`finally`, so it also runs when a test failed.
 *
 * The checkout may sit in a directory the user cannot enter (a 0700 CI clone): commands run in a
 * mount namespace of their own (as root, then setpriv to the user) where the checkout is bound on
 * a path under the user's base dir. The namespace ends with the command: no mount to clean up.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { promises as fs, readdirSync, readFileSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO } from './daemon';

export interface RootlessUser {
  name: string;
  uid: number;
  gid: number;
  /** 0755 dir holding the home, the runtime dir and the checkout's mount point */
  base: string;
  home: string;
  runtimeDir: string;
  /** the user's first subordinate UID (and GID): container ID 1 maps there */
  subStart: number;
  subSize: number;
  /** the checkout as the user's commands see it */
  repo: string;
  /** env for commands run as the user */
  env: Record<string, string>;
  /** argv that runs `argv` as the user, the checkout bound at `repo` */
  asUser(argv: string[]): string[];
  /** pids of the user's processes */
  pids(): number[];
  remove(): Promise<void>;
}

const SUB_SIZE = 65536;

/** The first ID above every range in /etc/subuid and /etc/subgid (and above 100000). */
function freeSubStart(): number {
  let start = 100000;
  for (const f of ['/etc/subuid', '/etc/subgid']) {
    for (const line of readFileSync(f, 'utf8').split('\n')) {
      const [, s, c] = line.split(':');
      const end = Number(s) + Number(c);
      if (Number.isFinite(end) && end > start) start = end;
    }
  }
  return start;
}

function pidsOf(uid: number): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (statSync(`/proc/${p}`).uid === uid) out.push(Number(p));
    } catch {
      // gone
    }
  }
  return out;
}

export async function createRootlessUser(tag: string): Promise<RootlessUser> {
  const name = `btrl-${tag}-${process.pid}`.slice(0, 31);
  const base = path.join(os.tmpdir(), `bt-rl-${tag}-${process.pid}`);
  await fs.mkdir(base, { recursive: true, mode: 0o755 });
  await fs.chmod(base, 0o755);
  const home = path.join(base, 'home');
  let created = false;
  try {
    execFileSync('useradd', ['--system', '--create-home', '--home-dir', home, '--shell', '/bin/sh', '--user-group', name], { stdio: 'pipe' });
    created = true;
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
    const subStart = freeSubStart();
    const range = `${subStart}-${subStart + SUB_SIZE - 1}`;
    execFileSync('usermod', ['--add-subuids', range, '--add-subgids', range, name], { stdio: 'pipe' });
    const runtimeDir = path.join(base, 'run');
    await fs.mkdir(runtimeDir, { mode: 0o700 });
    await fs.chown(runtimeDir, uid, gid);
    const repo = path.join(base, 'berth');
    await fs.mkdir(repo);
    const env = { HOME: home, USER: name, LOGNAME: name, XDG_RUNTIME_DIR: runtimeDir, PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' };
    const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    const u: RootlessUser = {
      name, uid, gid, base, home, runtimeDir, subStart, subSize: SUB_SIZE, repo, env,
      asUser: (argv) => ['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', 'mount --bind "$1" "$2" && shift 2 && exec "$@"', 'sh', REPO, repo,
        'setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--init-groups', 'env', '-i', ...envArgs, ...argv],
      pids: () => pidsOf(uid),
      async remove() {
        // every process of the user, by pid, until none is left (a dying daemon may still spawn)
        for (let i = 0; i < 50 && u.pids().length; i++) {
          for (const p of u.pids()) {
            try {
              process.kill(p, 'SIGKILL');
            } catch {
              // gone
            }
          }
          await new Promise((r) => setTimeout(r, 100));
        }
        spawnSync('usermod', ['--del-subuids', range, '--del-subgids', range, name], { stdio: 'ignore' });
        spawnSync('userdel', ['--remove', name], { stdio: 'ignore' });
        await fs.rm(base, { recursive: true, force: true });
      },
    };
    return u;
  } catch (e) {
    if (created) spawnSync('userdel', ['--remove', name], { stdio: 'ignore' });
    await fs.rm(base, { recursive: true, force: true });
    throw e;
  }
}

/** Starts berthd as the user (its rootless defaults: data in ~/.local/share, socket in the runtime dir). */
export async function startRootlessBerthd(u: RootlessUser, args: string[] = []): Promise<{ proc: ChildProcess; socket: string; host: string; log: () => Promise<string>; stop(): Promise<number | null> }> {
  const logFile = path.join(u.base, 'daemon.log');
  const out = await fs.open(logFile, 'a');
  const from = (await out.stat()).size; // a daemon started again appends: only its own lines count
  const argv = u.asUser([process.execPath, '--initial-old-space-size=64', path.join(u.repo, 'dist/src/bin/berthd.js'), ...args]);
  const proc = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', out.fd, out.fd] });
  await out.close();
  const socket = path.join(u.runtimeDir, 'berth.sock');
  const log = async () => (await fs.readFile(logFile).catch(() => Buffer.alloc(0))).subarray(from).toString();
  const end = Date.now() + 30_000;
  while (!(await log()).includes('daemon ready')) {
    if (proc.exitCode !== null) throw new Error(`rootless berthd exited ${proc.exitCode}: ${await log()}`);
    if (Date.now() > end) throw new Error(`rootless berthd did not start: ${await log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    proc,
    socket,
    host: `unix://${socket}`,
    log,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise<void>((r) => proc.once('exit', () => r()));
        proc.kill('SIGTERM'); // unshare passes it on through setpriv's exec to the launcher
        await exited;
      }
      return proc.exitCode;
    },
  };
}

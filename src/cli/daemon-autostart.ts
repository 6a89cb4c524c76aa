/**
 * Starts a local `berth daemon` in the background when the default socket does not
 * answer, then waits for it to answer. Output goes to /var/log/berth.log (or
 * <data-root>/daemon.log when /var/log is not writable).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DaemonAddress } from '../client/host';
import { DAEMON_NODE_FLAGS, DEFAULT_DATA_ROOT } from '../daemon/options';

function openLog(env: NodeJS.ProcessEnv): number {
  const rootless = process.getuid?.() !== 0 && env.XDG_RUNTIME_DIR;
  const candidates = rootless ? [path.join(env.XDG_RUNTIME_DIR!, 'berth', 'daemon.log')] : ['/var/log/berth.log', path.join(env.BERTH_DATA_ROOT || DEFAULT_DATA_ROOT, 'daemon.log')];
  for (const file of candidates) {
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      return fs.openSync(file, 'a');
    } catch {
      // not writable: try the next place
    }
  }
  return fs.openSync('/dev/null', 'a');
}

async function answers(address: DaemonAddress): Promise<boolean> {
  const { DockerClient } = (require('../client/docker-client') as typeof import('../client/docker-client'));
  const c = new DockerClient(address);
  try {
    await c.ping();
    return true;
  } catch {
    return false;
  } finally {
    c.close();
  }
}

/** bin/berth of this checkout: found upward, since this code runs from dist/src/cli or from the CLI bundle */
function berthBin(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const bin = path.join(dir, 'bin', 'berth');
    if (fs.existsSync(bin)) return bin;
  }
  return process.argv[1]!;
}

export async function startLocalDaemon(address: DaemonAddress, env: NodeJS.ProcessEnv, timeoutMs = 20000): Promise<void> {
  const bin = berthBin();
  const log = openLog(env);
  const child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, bin, 'daemon'], { detached: true, stdio: ['ignore', log, log], env });
  child.unref();
  fs.closeSync(log);
  let exited = false;
  child.once('exit', () => (exited = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await answers(address)) return;
    if (exited) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const { DaemonUnreachableError } = (require('../client/api-error') as typeof import('../client/api-error'));
  throw new DaemonUnreachableError(address.url, new Error('auto-started daemon did not answer'));
}

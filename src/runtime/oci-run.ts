/**
 * A container run to its end by the OCI runtime alone (`runc run`, stdio piped), for build
 * steps: no conmon, because nothing here may outlive the daemon (a killed daemon's steps are
 * stopped at its next start), and one runtime process instead of create, start and delete.
 */
import { spawn } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { helperSpawner } from '../platform/spawner';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { mapStartError, type OciRuntime } from './oci-runtime';

export interface OciRunOptions {
  id: string;
  /** holds config.json */
  bundleDir: string;
  onOutput: (chunk: Buffer) => void;
  /** kills the container; the run then ends with the runtime's exit status */
  signal?: AbortSignal;
}

/** The process's exit code (128+n when killed by signal n); a runtime that could not start it throws RuntimeStartError. */
export async function runToEnd(oci: OciRuntime, o: OciRunOptions): Promise<number> {
  o.signal?.throwIfAborted();
  // the runtime's own messages go to the log, so they are never mistaken for the process's output
  const log = path.join(o.bundleDir, 'runtime.log');
  const [bin, ...args] = oci.argv(['--log', log, '--log-format', 'json', 'run', '--bundle', o.bundleDir, o.id]) as [string, ...string[]];
  const child = startProcess(bin, args, o.onOutput);
  const exited = new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code: number | null, sig: NodeJS.Signals | null) => resolve(code ?? 128 + (sig === 'SIGKILL' ? 9 : 15)));
  });
  let killing: Promise<void> | undefined;
  const stop = () => {
    // SIGKILL to `runc run` itself would orphan the container: the runtime kills it, and `run` then returns
    killing ??= (async () => {
      let done = false;
      void exited.finally(() => (done = true));
      while (!done) {
        await oci.kill(o.id, 'KILL').catch(() => undefined);
        // not created yet (or gone already): try again once the runtime moved on
        await Promise.race([exited.catch(() => undefined), new Promise((r) => setTimeout(r, 50))]);
      }
    })();
  };
  o.signal?.addEventListener('abort', stop, { once: true });
  try {
    const code = await exited.catch(async (e: unknown) => {
      // the runtime did not start, or its starter (berth-spawnd) died under it: nothing may run on
      await oci.delete(o.id, true).catch(() => undefined);
      throw e;
    });
    await killing;
    const failure = await runtimeError(log);
    // `run` deletes its container as it returns, unless it failed half-way
    if (failure !== undefined || o.signal?.aborted) await oci.delete(o.id, true).catch(() => undefined);
    o.signal?.throwIfAborted();
    if (failure !== undefined) throw mapStartError(failure);
    return code;
  } finally {
    o.signal?.removeEventListener('abort', stop);
  }
}

/** The runtime process, by berth-spawnd where it was built: a fork of the daemon itself costs more than the runtime's start. */
function startProcess(bin: string, args: string[], onOutput: (chunk: Buffer) => void): EventEmitter {
  const viaHelper = helperSpawner();
  if (viaHelper) return viaHelper(bin, args).on('output', onOutput);
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', onOutput);
  child.stderr.on('data', onOutput);
  return child;
}

/** The runtime's last error message in its JSON log, if it logged one. */
async function runtimeError(log: string): Promise<string | undefined> {
  const text = await fs.readFile(log, 'utf8').catch(() => '');
  let msg: string | undefined;
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      const e = JSON.parse(line) as { level?: string; msg?: string };
      if (e.level === 'error' || e.level === 'fatal') msg = e.msg;
    } catch {
      // not JSON: a line the runtime wrote before its logger was set up
    }
  }
  return msg;
}

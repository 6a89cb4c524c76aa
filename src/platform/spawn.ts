/**
 * Runs outside binaries with a timeout and a typed failure. Only adapters
 * (runtime/oci-runtime.ts, runtime/conmon.ts, network/netavark.ts, ...) call this.
 */
import { spawn, type SpawnOptions } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { BerthError } from '../base/errors';

export class CommandFailedError extends BerthError {
  constructor(
    readonly argv: string[],
    readonly exitCode: number | null,
    readonly stderr: string,
    readonly stdout: string,
  ) {
    super('Internal', 'COMMAND_FAILED', `${argv[0]} ${argv.slice(1, 3).join(' ')}: exit ${exitCode}: ${stderr.trim() || stdout.trim()}`);
  }
}

export interface RunOptions {
  timeoutMs?: number;
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Extra file descriptors for the child, from fd 3 on. */
  stdio?: SpawnOptions['stdio'];
  signal?: AbortSignal;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Run to completion; throws CommandFailedError on a non-zero exit. */
export async function run(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await runUnchecked(argv, opts);
  if (r.exitCode !== 0) throw new CommandFailedError(argv, r.exitCode, r.stderr, r.stdout);
  return r;
}

/** Run to completion and return whatever happened. */
export function runUnchecked(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      signal: opts.signal,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    let timer: NodeJS.Timeout | undefined;
    if (opts.timeoutMs) timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(new CommandFailedError(argv, null, e.message, ''));
    });
    child.on('close', (code, sig) => {
      if (timer) clearTimeout(timer);
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        exitCode: code ?? (sig ? 128 : -1),
      });
    });
    child.stdin!.on('error', () => {}); // the child may exit before reading its input
    child.stdin!.end(opts.input ?? undefined);
  });
}

/** Whether `bin` is an executable on PATH. */
export async function commandExists(bin: string): Promise<boolean> {
  for (const dir of (process.env.PATH || '/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    if (await fs.access(path.join(dir, bin), fs.constants.X_OK).then(() => true, () => false)) return true;
  }
  return false;
}

/**
 * build/native/berth-fsd, one long-lived process for mount(2), umount2(2) and xattr reads:
 * a build step makes a few of each, and a process per call (mount(8), umount(8), berth-xattrs)
 * costs 10-30 ms on a busy host where the call costs well under one. Requests are answered in
 * order; a helper that died is started again by the next request. Node has none of these calls.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { InternalError } from '../base/errors';
import { nativeToolPath } from './native-tool';

/** A failed call, with the errno the helper reported. */
export class FsHelperError extends InternalError {
  constructor(message: string, readonly errno: number) {
    super(message, 'FS_HELPER_FAILED');
  }
}

const hex = (s: string): string => (s ? Buffer.from(s).toString('hex') : '-');

class FsHelper {
  private child: ChildProcessWithoutNullStreams | undefined;
  private readonly waiting: Array<{ resolve: (payload: Buffer) => void; reject: (e: Error) => void }> = [];
  /** the reply line read so far */
  private parts: string[] = [];

  constructor(private readonly tool: string) {}

  request(fields: string[]): Promise<Buffer> {
    const child = this.child ?? this.start();
    return new Promise((resolve, reject) => {
      if (!this.waiting.length) keepAlive(child, true);
      this.waiting.push({ resolve, reject });
      child.stdin.write(`${fields.join(' ')}\n`);
    });
  }

  private start(): ChildProcessWithoutNullStreams {
    const child = spawn(this.tool, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    this.parts = [];
    keepAlive(child, false);
    child.stdout.setEncoding('utf8');
    // what a helper that died meanwhile still had in its pipe answers nothing of its successor's
    child.stdout.on('data', (chunk: string) => this.child === child && this.onData(chunk));
    child.stderr.resume();
    child.stdin.on('error', () => undefined); // a dead helper: 'exit' rejects what waits
    const gone = (why: string) => {
      if (this.child !== child) return;
      this.child = undefined;
      for (const w of this.waiting.splice(0)) w.reject(new InternalError(`berth-fsd ${why}`, 'FS_HELPER_GONE'));
    };
    child.once('exit', (code, sig) => gone(`exited (${sig ?? code})`));
    child.once('error', (e) => gone(`failed: ${e.message}`));
    return child;
  }

  private onData(chunk: string): void {
    let start = 0;
    let nl: number;
    while ((nl = chunk.indexOf('\n', start)) >= 0) {
      this.parts.push(chunk.slice(start, nl));
      const line = this.parts.join('');
      this.parts = [];
      start = nl + 1;
      const w = this.waiting.shift();
      if (!w) continue;
      if (!this.waiting.length && this.child) keepAlive(this.child, false);
      const [kind, a, b] = line.split(' ');
      if (kind === 'ok') w.resolve(a === '-' || a === undefined ? Buffer.alloc(0) : Buffer.from(a, 'hex'));
      else w.reject(new FsHelperError(Buffer.from(b ?? '', 'hex').toString('utf8') || line, Number(a)));
    }
    if (start < chunk.length) this.parts.push(chunk.slice(start));
  }
}

/** An idle helper must not keep a process from exiting (it ends at end of input); a busy one must. */
export function keepAlive(child: ChildProcessWithoutNullStreams, on: boolean): void {
  for (const h of [child, child.stdin, child.stdout, child.stderr] as Array<{ ref?: () => void; unref?: () => void }>) {
    if (on) h.ref?.();
    else h.unref?.();
  }
}

let shared: FsHelper | null | undefined;

/** The helper, or undefined where it was not built (callers then spawn the commands). */
function helper(): FsHelper | undefined {
  if (shared === undefined) {
    const tool = nativeToolPath('berth-fsd');
    shared = existsSync(tool) ? new FsHelper(tool) : null;
  }
  return shared ?? undefined;
}

export function hasFsHelper(): boolean {
  return helper() !== undefined;
}

function need(): FsHelper {
  const h = helper();
  if (!h) throw new InternalError('build/native/berth-fsd is missing: run node scripts/build-native.js', 'NATIVE_TOOL_MISSING');
  return h;
}

/** mount(2) with no flags; relative paths in `data` resolve against `cwd`. */
export async function helperMount(source: string, target: string, fstype: string, data: string, cwd?: string): Promise<void> {
  await need().request(['m', hex(source), hex(target), hex(fstype), hex(data), hex(cwd ?? '')]);
}

/** umount2(2), lazily when busy. */
export async function helperUnmount(target: string): Promise<void> {
  await need().request(['u', hex(target)]);
}

/** berth-xattrs' records for `root` (path\0name\0hex-value\0 ...). */
export async function helperXattrs(root: string): Promise<string> {
  return (await need().request(['x', hex(root)])).toString('utf8');
}

/**
 * build/native/berth-fsd, one long-lived process for mount(2), umount2(2) and xattr reads:
 * a build step makes a few of each, and a process per call (mount(8), umount(8), berth-xattrs)
 * costs 10-30 ms on a busy host where the call costs well under one. Requests are answered in
 * order; a helper that died is started again by the next request. Node has none of these calls.
 */
import { existsSync } from 'node:fs';
import { InternalError } from '../base/errors';
import { hex, LineHelper } from './line-helper';
import { nativeToolPath } from './native-tool';

/** A failed call, with the errno the helper reported. */
export class FsHelperError extends InternalError {
  constructor(message: string, readonly errno: number) {
    super(message, 'FS_HELPER_FAILED');
  }
}

class FsHelper {
  private readonly waiting: Array<{ resolve: (payload: Buffer) => void; reject: (e: Error) => void }> = [];
  private readonly proc: LineHelper;

  constructor(tool: string) {
    this.proc = new LineHelper(tool, (line) => this.onLine(line), (why) => {
      for (const w of this.waiting.splice(0)) w.reject(new InternalError(`berth-fsd ${why}`, 'FS_HELPER_GONE'));
    });
  }

  request(fields: string[]): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.proc.write(fields.join(' '));
      this.proc.busy(true);
    });
  }

  /** Replies come in the order of the requests. */
  private onLine(line: string): void {
    const w = this.waiting.shift();
    if (!w) return;
    if (!this.waiting.length) this.proc.busy(false);
    const [kind, a, b] = line.split(' ');
    if (kind === 'ok') w.resolve(a === '-' || a === undefined ? Buffer.alloc(0) : Buffer.from(a, 'hex'));
    else w.reject(new FsHelperError(Buffer.from(b ?? '', 'hex').toString('utf8') || line, Number(a)));
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

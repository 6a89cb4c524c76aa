/**
 * Adapter for build/native/berth-fs (mknod and lsetxattr, which Node lacks).
 * Operations are queued and sent in one batch so a layer costs one process.
 */
import { existsSync } from 'node:fs';
import { nativeToolPath } from '../platform/native-tool';
import { run } from '../platform/spawn';
import { InternalError } from '../base/errors';
import { hasFsHelper, helperXattrs } from '../platform/fs-helper';

export const S_IFIFO = 0o010000;
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;

export function defaultBerthFsPath(): string {
  return nativeToolPath('berth-fs');
}

const hex = (s: string | Buffer) => (s.length === 0 ? '-' : Buffer.from(s).toString('hex'));

export class FsBatch {
  private lines: string[] = [];
  private readonly paths = new Set<string>();
  constructor(private readonly tool: string) {}

  mknod(p: string, mode: number, major: number, minor: number, uid: number, gid: number, mtime: Date): void {
    const ms = mtime.getTime();
    const sec = Math.floor(ms / 1000);
    const nsec = (ms - sec * 1000) * 1_000_000;
    this.lines.push(`n ${hex(p)} ${mode.toString(8)} ${major} ${minor} ${uid} ${gid} ${sec} ${nsec}`);
    this.paths.add(p);
  }

  setXattr(p: string, name: string, value: Buffer | string): void {
    this.lines.push(`x ${hex(p)} ${hex(name)} ${hex(value)}`);
  }

  /** True when a queued mknod would create `p`: the path is taken but not yet on disk. */
  pending(p: string): boolean {
    return this.paths.has(p);
  }

  get size(): number {
    return this.lines.length;
  }

  async flush(): Promise<void> {
    if (!this.lines.length) return;
    const input = this.lines.join('\n') + '\n';
    this.lines = [];
    this.paths.clear();
    if (!existsSync(this.tool)) throw new InternalError(`${this.tool} is missing: run node scripts/build-native.js`, 'NATIVE_TOOL_MISSING');
    await run([this.tool], { input, timeoutMs: 120_000 });
  }
}

/** Every extended attribute under `root` (build/native/berth-xattrs), by path relative to it ("" for root). */
export async function readXattrs(root: string, tool?: string): Promise<Map<string, Map<string, Buffer>>> {
  // the long-lived helper unless a tool is named (tests), or it is not built
  const text = !tool && hasFsHelper() ? await helperXattrs(root) : (await run([tool ?? nativeToolPath('berth-xattrs'), root], { timeoutMs: 120_000 })).stdout;
  const fields = text.split('\0');
  const out = new Map<string, Map<string, Buffer>>();
  for (let i = 0; i + 2 < fields.length; i += 3) {
    const rel = fields[i] === '.' ? '' : fields[i]!;
    let m = out.get(rel);
    if (!m) out.set(rel, (m = new Map()));
    m.set(fields[i + 1]!, Buffer.from(fields[i + 2]!, 'hex'));
  }
  return out;
}

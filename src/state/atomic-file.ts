/**
 * Crash-safe files: write to a temp file in the same directory, fsync, rename.
 * A reader sees the old or the new content, never a half-written one; a crash
 * leaves at most a `*.tmp-*` file, which `removeTempFiles` clears at boot.
 */
import { promises as fs, openSync, writeSync, fsyncSync, closeSync, renameSync } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

/** `durable: false`: no fsync, for files whose loss after a power cut costs nothing but work (a cache index). */
export async function writeFileAtomic(file: string, data: string | Buffer, mode = 0o644, opts: { durable?: boolean } = {}): Promise<void> {
  const tmp = `${file}.tmp-${randomBytes(4).toString('hex')}`;
  const fh = await fs.open(tmp, 'w', mode);
  try {
    await fh.writeFile(data);
    if (opts.durable !== false) await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

export function writeFileAtomicSync(file: string, data: string | Buffer, mode = 0o644): void {
  const tmp = `${file}.tmp-${randomBytes(4).toString('hex')}`;
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

export async function writeJsonAtomic(file: string, value: unknown, opts: { durable?: boolean } = {}): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(value, null, 1), 0o644, opts);
}

export async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Boot repair: remove temp files left by a crash in the middle of a write. */
export async function removeTempFiles(dir: string): Promise<number> {
  let n = 0;
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) n += await removeTempFiles(p);
    else if (/\.tmp-[0-9a-f]{8}$/.test(e.name)) {
      await fs.rm(p, { force: true });
      n++;
    }
  }
  return n;
}

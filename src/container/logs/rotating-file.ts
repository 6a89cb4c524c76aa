/**
 * A log file that rotates by size, as Docker's json-file and local drivers do: the current file
 * is `FILE`, older ones `FILE.1` (newest) … `FILE.<max-file - 1>`, gzipped to `FILE.N.gz` with
 * `compress`. max-file 1 truncates in place. Writes are synchronous (page cache, a few µs per
 * batch): the pump awaits nothing but compression, so ordering is simple.
 */
import { createReadStream, createWriteStream, closeSync, fstatSync, openSync, promises as fs, renameSync, rmSync, writeSync, ftruncateSync } from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { RotationOptions } from './config';

export interface FileMark {
  ino: number;
  size: number;
}

export class RotatingFile {
  private fd: number | undefined;
  private size = 0;

  constructor(readonly file: string, private readonly rot: RotationOptions) {}

  /** Appends whole lines; a rotation only ever falls between two of them. */
  async write(lines: string[]): Promise<void> {
    if (this.fd === undefined) this.open();
    let batch: string[] = [];
    let batchBytes = 0;
    for (const l of lines) {
      const n = Buffer.byteLength(l);
      if (this.rot.maxSize > 0 && this.size + batchBytes + n > this.rot.maxSize && this.size + batchBytes > 0) {
        this.flush(batch, batchBytes);
        batch = [];
        batchBytes = 0;
        await this.rotate();
      }
      batch.push(l);
      batchBytes += n;
    }
    this.flush(batch, batchBytes);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** Where the file ends now (saved with the pump's read position). */
  mark(): FileMark {
    if (this.fd === undefined) this.open();
    return { ino: fstatSync(this.fd!).ino, size: this.size };
  }

  /**
   * Cuts what was written after `m` (the daemon died between writing lines and saving its read position:
   * the pump reads them again). Only in the same file: after a rotation the lines stay, repeated.
   */
  restore(m: FileMark): void {
    if (this.fd === undefined) this.open();
    if (fstatSync(this.fd!).ino !== m.ino || this.size <= m.size) return;
    ftruncateSync(this.fd!, m.size);
    this.size = m.size;
  }

  private open(): void {
    this.fd = openSync(this.file, 'a', 0o640);
    this.size = fstatSync(this.fd).size;
  }

  private flush(batch: string[], bytes: number): void {
    if (!bytes) return;
    const buf = Buffer.from(batch.join(''));
    for (let off = 0; off < buf.length; ) off += writeSync(this.fd!, buf, off);
    this.size += bytes;
  }

  private async rotate(): Promise<void> {
    const { maxFile, compress } = this.rot;
    if (maxFile <= 1) {
      ftruncateSync(this.fd!, 0);
      this.size = 0;
      return;
    }
    this.close();
    const ext = compress ? '.gz' : '';
    for (const e of ['', '.gz']) rmSync(`${this.file}.${maxFile - 1}${e}`, { force: true });
    for (let i = maxFile - 2; i >= 1; i--) {
      for (const e of ['', '.gz']) {
        try {
          renameSync(`${this.file}.${i}${e}`, `${this.file}.${i + 1}${e}`);
        } catch {
          // not there (fewer rotations so far, or the other form)
        }
      }
    }
    renameSync(this.file, `${this.file}.1`);
    this.open();
    if (ext) {
      // the reader lists FILE.1.gz only once it is complete: it is written under a temp name
      const tmp = `${this.file}.1.gz.tmp`;
      await pipeline(createReadStream(`${this.file}.1`), createGzip({ level: 1 }), createWriteStream(tmp));
      await fs.rename(tmp, `${this.file}.1.gz`);
      await fs.rm(`${this.file}.1`, { force: true });
    }
  }
}

/** Rotated files of FILE, oldest first (FILE.N … FILE.1), compressed or not. */
export async function rotatedFiles(file: string): Promise<string[]> {
  const dir = path.dirname(file);
  const base = path.basename(file);
  const found: Array<{ n: number; name: string }> = [];
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
    if (!name.startsWith(base + '.')) continue;
    const m = /^\.(\d+)(\.gz)?$/.exec(name.slice(base.length));
    if (m) found.push({ n: Number(m[1]), name });
  }
  // FILE.1 and FILE.1.gz side by side: compression was under way; the plain one is complete
  const seen = new Set<number>();
  return found
    .sort((a, b) => b.n - a.n || (a.name.endsWith('.gz') ? 1 : -1))
    .filter((f) => (seen.has(f.n) ? false : (seen.add(f.n), true)))
    .map((f) => path.join(dir, f.name));
}

/**
 * Content-addressed blob files shared by all repositories:
 * `<root>/blobs/<alg>/<first two hex>/<hex>`. A blob appears only by rename of a
 * fully written, digest-checked file, so a reader never sees half a blob.
 * This module owns blob bytes only; which repository may see a blob is repo-store's job.
 */
import { createReadStream, promises as fs, type ReadStream } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../../state/atomic-file.js';
import type { ParsedDigest } from '../names.js';

export interface BlobStat {
  size: number;
  mtimeMs: number;
}

export class BlobStore {
  readonly dir: string;
  constructor(root: string) {
    this.dir = path.join(root, 'blobs');
  }

  pathOf(d: ParsedDigest): string {
    return path.join(this.dir, d.algorithm, d.hex.slice(0, 2), d.hex);
  }

  async stat(d: ParsedDigest): Promise<BlobStat | undefined> {
    try {
      const st = await fs.stat(this.pathOf(d));
      return { size: st.size, mtimeMs: st.mtimeMs };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  openRead(d: ParsedDigest, range?: { start: number; end: number }): ReadStream {
    // 1 MiB reads: a blob GET is a long sequential read; 64 KiB chunks cost a syscall and socket write each
    return createReadStream(this.pathOf(d), { highWaterMark: 1 << 20, ...(range ? { start: range.start, end: range.end } : {}) });
  }

  async read(d: ParsedDigest): Promise<Buffer | undefined> {
    try {
      return await fs.readFile(this.pathOf(d));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** Stores small content (manifests) whose digest the caller has already checked. */
  async putBytes(d: ParsedDigest, data: Buffer): Promise<void> {
    if (await this.stat(d)) return this.touch(d);
    await fs.mkdir(path.dirname(this.pathOf(d)), { recursive: true });
    await writeFileAtomic(this.pathOf(d), data);
  }

  /** Moves a verified upload file into place; a blob already present wins (dedupe). */
  async commitFile(d: ParsedDigest, file: string): Promise<void> {
    const target = this.pathOf(d);
    if (await this.stat(d)) {
      await fs.rm(file, { force: true });
      return this.touch(d);
    }
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.rename(file, target);
  }

  /** Marks a blob as recently used so a concurrent GC spares it (see gc.ts). */
  async touch(d: ParsedDigest): Promise<void> {
    const now = new Date();
    await fs.utimes(this.pathOf(d), now, now).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
  }

  async remove(d: ParsedDigest): Promise<void> {
    await fs.rm(this.pathOf(d), { force: true });
  }

  /** Every stored blob, for GC. */
  async *list(): AsyncGenerator<{ digest: string; file: string }> {
    for (const alg of await readdirSafe(this.dir)) {
      for (const prefix of await readdirSafe(path.join(this.dir, alg))) {
        for (const hex of await readdirSafe(path.join(this.dir, alg, prefix))) {
          if (/\.tmp-/.test(hex)) continue;
          yield { digest: `${alg}:${hex}`, file: path.join(this.dir, alg, prefix, hex) };
        }
      }
    }
  }
}

export async function readdirSafe(dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw e;
  }
}

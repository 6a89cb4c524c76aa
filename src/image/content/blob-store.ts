/**
 * Content-addressed blobs (`<dataRoot>/image/blobs/sha256/<hex>`). A write goes
 * through a sha256 hasher into a temp file and is renamed into place only when
 * the digest (and size, if known) verifies: no reader ever sees a half blob.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { InvalidArgumentError, NotFoundError } from '../../base/errors';

async function fsyncFile(file: string): Promise<void> {
  const fh = await fs.open(file, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;

export class BlobStore {
  readonly dir: string;
  readonly tmpDir: string;

  constructor(imageRoot: string) {
    this.dir = path.join(imageRoot, 'blobs', 'sha256');
    this.tmpDir = path.join(imageRoot, 'tmp');
  }

  async init(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    // Boot repair: temp files are writes that never verified.
    await fs.rm(this.tmpDir, { recursive: true, force: true });
    await fs.mkdir(this.tmpDir, { recursive: true });
  }

  path(digest: string): string {
    if (!DIGEST_RE.test(digest)) throw new InvalidArgumentError(`invalid digest: ${digest}`);
    return path.join(this.dir, digest.slice('sha256:'.length));
  }

  async has(digest: string): Promise<boolean> {
    return fs.stat(this.path(digest)).then(() => true, () => false);
  }

  async size(digest: string): Promise<number> {
    return (await fs.stat(this.path(digest))).size;
  }

  async read(digest: string): Promise<Buffer> {
    try {
      return await fs.readFile(this.path(digest));
    } catch {
      throw new NotFoundError('blob', digest, `blob ${digest} not found`);
    }
  }

  stream(digest: string): Readable {
    return createReadStream(this.path(digest));
  }

  async putBuffer(data: Buffer): Promise<string> {
    const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
    if (await this.has(digest)) return digest;
    const tmp = this.tempPath();
    try {
      const fh = await fs.open(tmp, 'wx', 0o644);
      try {
        await fh.writeFile(data);
        await fh.sync(); // a blob named by its digest must never be short after a power loss
      } finally {
        await fh.close();
      }
      await fs.rename(tmp, this.path(digest));
    } finally {
      await fs.rm(tmp, { force: true });
    }
    return digest;
  }

  tempPath(): string {
    return path.join(this.tmpDir, `blob-${randomBytes(8).toString('hex')}`);
  }

  /**
   * Streams into the store and returns the digest. With `expected`, a mismatch
   * throws and nothing is stored.
   */
  async putStream(src: Readable, expected?: { digest?: string; size?: number }): Promise<{ digest: string; size: number }> {
    const tmp = this.tempPath();
    const hash = createHash('sha256');
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _e, cb) {
        hash.update(chunk);
        size += chunk.length;
        cb(null, chunk);
      },
    });
    try {
      await pipeline(src, counter, createWriteStream(tmp));
      await fsyncFile(tmp);
      const digest = `sha256:${hash.digest('hex')}`;
      if (expected?.digest && expected.digest !== digest) throw new InvalidArgumentError(`digest mismatch: expected ${expected.digest}, got ${digest}`, 'DIGEST_MISMATCH');
      if (expected?.size !== undefined && expected.size !== size) throw new InvalidArgumentError(`size mismatch for ${digest}: expected ${expected.size}, got ${size}`, 'SIZE_MISMATCH');
      await fs.rename(tmp, this.path(digest));
      return { digest, size };
    } finally {
      await fs.rm(tmp, { force: true });
    }
  }

  /**
   * A temp blob (fsynced, to adopt() or remove; boot repair removes it) from a source of many small
   * chunks (a tar of small files): gathered and written a MiB at a time, where a write stream would
   * make a thread-pool round trip of each.
   */
  async writeTemp(src: AsyncIterable<Buffer>): Promise<{ tmp: string; digest: string; size: number }> {
    const tmp = this.tempPath();
    const hash = createHash('sha256');
    let size = 0;
    let ok = false;
    try {
      const fh = await fs.open(tmp, 'wx', 0o644);
      try {
        let pending: Buffer[] = [];
        let bytes = 0;
        for await (const chunk of src) {
          hash.update(chunk);
          size += chunk.length;
          pending.push(chunk);
          bytes += chunk.length;
          if (bytes >= 1 << 20) {
            await fh.writev(pending);
            pending = [];
            bytes = 0;
          }
        }
        if (pending.length) await fh.writev(pending);
        await fh.sync(); // a blob named by its digest must never be short after a power loss
      } finally {
        await fh.close();
      }
      ok = true;
      return { tmp, digest: `sha256:${hash.digest('hex')}`, size };
    } finally {
      if (!ok) await fs.rm(tmp, { force: true });
    }
  }

  /** Move an already-verified temp file into the store; `synced`: its writer fsynced it already. */
  async adopt(tmpFile: string, digest: string, opts: { synced?: boolean } = {}): Promise<void> {
    if (!opts.synced) await fsyncFile(tmpFile);
    await fs.rename(tmpFile, this.path(digest));
  }

  async remove(digest: string): Promise<void> {
    await fs.rm(this.path(digest), { force: true });
  }
}

/**
 * Blob upload sessions. Bytes go to `<root>/uploads/<uuid>`; the running hash
 * is kept in memory and the file is moved into the blob store only after the
 * client's digest matches, so a crash or a bad digest never leaves a visible blob.
 * Sessions do not survive a restart: `removeAll()` clears leftovers at start.
 */
import { createHash, randomUUID, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { KeyedMutex } from '../../base/async.js';
import { DistributionError } from '../errors.js';
import type { ParsedDigest } from '../names.js';
import type { BlobStore } from './blob-store.js';

export interface UploadSession {
  readonly id: string;
  readonly repo: string;
  readonly algorithm: 'sha256' | 'sha512';
  readonly file: string;
  readonly startedAt: number;
  offset: number;
  hash: Hash;
  lastActiveAt: number;
}

export class UploadStore {
  readonly dir: string;
  private readonly sessions = new Map<string, UploadSession>();
  private readonly locks = new KeyedMutex();
  constructor(
    root: string,
    private readonly blobs: BlobStore,
    private readonly now: () => number = Date.now,
  ) {
    this.dir = path.join(root, 'uploads');
  }

  /** Start-up repair: uploads of a previous run cannot be resumed (their hash state is gone). */
  async removeAll(): Promise<void> {
    await fs.rm(this.dir, { recursive: true, force: true });
    await fs.mkdir(this.dir, { recursive: true });
  }

  async create(repo: string, algorithm: 'sha256' | 'sha512' = 'sha256'): Promise<UploadSession> {
    const id = randomUUID();
    const file = path.join(this.dir, id);
    await fs.mkdir(this.dir, { recursive: true });
    await fs.writeFile(file, '');
    const t = this.now();
    const s: UploadSession = { id, repo, algorithm, file, startedAt: t, offset: 0, hash: createHash(algorithm), lastActiveAt: t };
    this.sessions.set(id, s);
    return s;
  }

  /** The session `id` of `repo`, or BLOB_UPLOAD_UNKNOWN (404). */
  get(repo: string, id: string): UploadSession {
    const s = this.sessions.get(id);
    if (!s || s.repo !== repo) throw new DistributionError(404, 'BLOB_UPLOAD_UNKNOWN', { detail: { uuid: id } });
    return s;
  }

  /** Runs `fn` with the session held, so two requests never write one upload at once. */
  async withSession<T>(repo: string, id: string, fn: (s: UploadSession) => Promise<T>): Promise<T> {
    return this.locks.run(id, async () => fn(this.get(repo, id)));
  }

  /**
   * Appends `body` at the session's offset. If the stream fails or its length is
   * not `expectedLength`, the file and hash are rolled back to the previous chunk.
   */
  async append(s: UploadSession, body: Readable, expectedLength?: number): Promise<void> {
    const before = s.hash.copy();
    const start = s.offset;
    let n = 0;
    const hash = s.hash;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        n += chunk.length;
        cb(null, chunk);
      },
    });
    try {
      await pipeline(body, counter, createWriteStream(s.file, { flags: 'r+', start }));
      if (expectedLength !== undefined && n !== expectedLength) {
        throw new DistributionError(400, 'SIZE_INVALID', { detail: { expected: expectedLength, received: n } });
      }
    } catch (e) {
      s.hash = before;
      await fs.truncate(s.file, start).catch(() => undefined);
      throw e;
    }
    s.offset = start + n;
    s.lastActiveAt = this.now();
  }

  /**
   * Verifies the whole upload against `digest` and moves it into the blob store.
   * A digest of another algorithm than the session's running hash is checked by
   * hashing the staged bytes again: clients may close with sha512 an upload they
   * opened without `digest-algorithm`. On mismatch the session and its bytes are
   * dropped and DIGEST_INVALID is thrown.
   */
  async finish(s: UploadSession, digest: ParsedDigest): Promise<void> {
    const hex = digest.algorithm === s.algorithm ? s.hash.copy().digest('hex') : await hashFile(s.file, digest.algorithm);
    const actual = `${digest.algorithm}:${hex}`;
    if (actual !== digest.digest) {
      await this.drop(s);
      throw new DistributionError(400, 'DIGEST_INVALID', { detail: { expected: digest.digest, actual } });
    }
    this.sessions.delete(s.id);
    try {
      await this.blobs.commitFile(digest, s.file);
    } catch (e) {
      await fs.rm(s.file, { force: true });
      throw e;
    }
  }

  async drop(s: UploadSession): Promise<void> {
    this.sessions.delete(s.id);
    await fs.rm(s.file, { force: true });
  }

  /** Drops sessions idle for longer than `maxIdleMs` (the spec's "eventually timeout"). */
  async expire(maxIdleMs: number): Promise<number> {
    let n = 0;
    for (const s of [...this.sessions.values()]) {
      if (this.now() - s.lastActiveAt > maxIdleMs) {
        await this.locks.run(s.id, () => this.drop(s));
        n++;
      }
    }
    return n;
  }

  has(id: string): boolean {
    return this.sessions.has(id);
  }

  /** Sessions in progress (GC leaves blobs of running uploads alone). */
  activeCount(): number {
    return this.sessions.size;
  }
}

async function hashFile(file: string, algorithm: 'sha256' | 'sha512'): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

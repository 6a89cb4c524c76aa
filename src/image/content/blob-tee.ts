/**
 * A pass-through that also writes every byte to a (blob store temp) file, so
 * a download is kept while it is unpacked, without reading it twice. Writes
 * go out a MiB at a time, one in flight, and the file is fsynced once the
 * stream ends; `done` settles after that. The caller verifies and adopts or
 * removes the file: this never decides whether the bytes are right.
 */
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';

const BATCH = 1 << 20;

export class BlobTee extends Transform {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private writing: Promise<void> = Promise.resolve();
  private flushing = false;
  private settle!: (e?: unknown) => void;
  /** the whole stream is in the file and fsynced (rejects when a write failed or the stream was destroyed first) */
  readonly done: Promise<void>;

  private constructor(private readonly fh: FileHandle) {
    super();
    this.done = new Promise<void>((resolve, reject) => {
      this.settle = (e) => (e === undefined ? resolve() : reject(e));
    });
    this.done.catch(() => undefined); // observed by the caller; no unhandled rejection meanwhile
  }

  static async open(file: string): Promise<BlobTee> {
    return new BlobTee(await fs.open(file, 'wx', 0o644));
  }

  private writeBatch(): void {
    const batch = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    this.writing = this.writing.then(async () => {
      await this.fh.writev(batch);
    });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes < BATCH) return cb(null, chunk);
    // wait for the previous write only: the next MiB arrives while this one is written
    const previous = this.writing;
    this.writeBatch();
    previous.then(() => cb(null, chunk), (e: Error) => cb(e));
  }

  override _flush(cb: TransformCallback): void {
    this.flushing = true;
    if (this.pendingBytes) this.writeBatch();
    const written = this.writing;
    // the data is all written: the stream may end while the fsync runs
    written.then(() => cb(), (e: Error) => cb(e));
    written
      .then(() => this.fh.sync())
      .finally(() => this.fh.close())
      .then(() => this.settle(), (e: unknown) => this.settle(e));
  }

  override _destroy(err: Error | null, cb: (e: Error | null) => void): void {
    if (this.flushing) return cb(err); // _flush closes the file and settles `done`
    this.writing
      .catch(() => undefined)
      .finally(() => this.fh.close())
      .catch(() => undefined) // the file goes away with the caller's cleanup anyway
      .then(() => {
        this.settle(err ?? new Error('stream destroyed before the blob was complete'));
        cb(err);
      });
  }
}

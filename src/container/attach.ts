/**
 * Attach streams that may outlive (or precede) the runtime's own attach:
 * `docker run` attaches before start, so the client gets a stream now and the
 * hub plugs it into the runtime when the container's conmon exists.
 */
import { Duplex } from 'node:stream';
import type { AttachStream } from '../runtime/types';

export class LateAttachStream extends Duplex {
  private inner: AttachStream | undefined;
  private pendingWrites: Array<{ chunk: Buffer; cb: (e?: Error | null) => void }> = [];
  private pendingEnd = false;

  /** `endOnStdinEof`: the attach ends once its input ended and went out (dockerd: a tty, or no StdinOnce) */
  constructor(
    readonly wantsStdin: boolean,
    readonly endOnStdinEof = false,
  ) {
    super({ allowHalfOpen: true });
  }

  get connected(): boolean {
    return this.inner !== undefined;
  }

  connect(inner: AttachStream): void {
    if (this.destroyed) {
      inner.destroy();
      return;
    }
    this.inner = inner;
    inner.on('data', (b: Buffer) => {
      if (!this.push(b)) inner.pause();
    });
    inner.on('end', () => this.push(null));
    inner.on('close', () => this.push(null));
    inner.on('error', () => this.push(null));
    for (const w of this.pendingWrites) inner.write(w.chunk, w.cb);
    this.pendingWrites = [];
    if (this.pendingEnd) inner.end();
  }

  /** The container went away without ever running (or after): end the client's stream. */
  finish(): void {
    this.push(null);
  }

  override _read(): void {
    this.inner?.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    if (!this.wantsStdin) return cb();
    if (this.inner) this.inner.write(chunk, cb);
    else this.pendingWrites.push({ chunk, cb });
  }

  override _final(cb: (e?: Error | null) => void): void {
    if (this.wantsStdin) {
      if (this.inner) this.inner.end();
      else this.pendingEnd = true;
    }
    cb();
  }

  override _destroy(err: Error | null, cb: (e: Error | null) => void): void {
    this.inner?.destroy();
    cb(err);
  }
}

/** Client attach streams waiting for a container's next start. */
export class AttachHub {
  private readonly waiting = new Map<string, Set<LateAttachStream>>();

  add(id: string, s: LateAttachStream): void {
    let set = this.waiting.get(id);
    if (!set) this.waiting.set(id, (set = new Set()));
    set.add(s);
    s.on('close', () => set!.delete(s));
  }

  /** Takes the streams waiting for `id` (they get connected at start). */
  take(id: string): LateAttachStream[] {
    const set = this.waiting.get(id);
    this.waiting.delete(id);
    return set ? [...set].filter((s) => !s.destroyed) : [];
  }

  /** The container is gone: release whoever waits. */
  finishAll(id: string): void {
    for (const s of this.take(id)) s.finish();
  }
}

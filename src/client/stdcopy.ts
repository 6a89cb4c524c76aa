/**
 * Demultiplexes Docker's stdcopy framing (8-byte header: stream, 0, 0, 0, uint32 BE size).
 * Stateful across chunks, because frames may be split between socket reads.
 */
export type StdStream = 0 | 1 | 2;

export class StdcopyDemuxer {
  private buf: Buffer = Buffer.alloc(0);
  constructor(private readonly onFrame: (stream: StdStream, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    while (this.buf.length >= 8) {
      const size = this.buf.readUInt32BE(4);
      if (this.buf.length < 8 + size) break;
      const kind = this.buf[0];
      const payload = this.buf.subarray(8, 8 + size);
      this.buf = this.buf.subarray(8 + size);
      this.onFrame((kind === 0 || kind === 2 ? kind : 1) as StdStream, payload);
    }
  }

  /** Bytes left over that do not make a full frame (should be 0 at the end of a stream). */
  get pending(): number {
    return this.buf.length;
  }
}

/** Builds one frame (used by tests and by anything that needs to speak the format). */
export function encodeStdcopyFrame(stream: StdStream, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head[0] = stream;
  head.writeUInt32BE(payload.length, 4);
  return Buffer.concat([head, payload]);
}

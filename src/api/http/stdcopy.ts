/**
 * Docker's stdcopy framing for non-TTY attach, exec and logs:
 * an 8-byte header [stream, 0, 0, 0, uint32 BE length] before each payload.
 */
export const STDOUT = 1;
export const STDERR = 2;
export type StdStreamId = 0 | 1 | 2;

export function stdcopyHeader(stream: StdStreamId, length: number): Buffer {
  const head = Buffer.alloc(8);
  head[0] = stream;
  head.writeUInt32BE(length, 4);
  return head;
}

export function encodeStdcopyFrame(stream: StdStreamId, payload: Buffer): Buffer {
  return Buffer.concat([stdcopyHeader(stream, payload.length), payload]);
}

/** Splits a buffer into its complete frames and what is left of the next one. */
export function decodeStdcopyFrames(buf: Buffer): { frames: Array<{ stream: StdStreamId; payload: Buffer }>; rest: Buffer } {
  const frames: Array<{ stream: StdStreamId; payload: Buffer }> = [];
  let off = 0;
  while (buf.length - off >= 8) {
    const size = buf.readUInt32BE(off + 4);
    if (buf.length - off < 8 + size) break;
    frames.push({ stream: buf[off] as StdStreamId, payload: buf.subarray(off + 8, off + 8 + size) });
    off += 8 + size;
  }
  return { frames, rest: buf.subarray(off) };
}

/**
 * Passes on the frames of the streams a client attached to and drops the others (frames may
 * arrive split across chunks): dockerd sends stderr only to a client that asked for it, and
 * the docker CLI has no writer for a stream it did not ask for.
 */
export class StdcopyStreamFilter {
  private pending: Buffer = Buffer.alloc(0);
  constructor(private readonly keep: ReadonlySet<StdStreamId>) {}

  push(chunk: Buffer): Buffer {
    const { frames, rest } = decodeStdcopyFrames(this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk);
    this.pending = rest;
    const out: Buffer[] = [];
    for (const f of frames) if (this.keep.has(f.stream)) out.push(stdcopyHeader(f.stream, f.payload.length), f.payload);
    return Buffer.concat(out);
  }
}

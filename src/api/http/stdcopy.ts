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

/** Splits a buffer of complete frames (tests, and anything reading our own output). */
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

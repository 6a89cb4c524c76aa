/**
 * Logs of a container without a terminal come as Docker's stdcopy frames (8-byte header: stream,
 * 0, 0, 0, big-endian length); with a terminal, as raw bytes. The page cannot see which (that is in
 * inspect, which the UI does not expose), so the first bytes decide: a raw log never starts 1|2,0,0,0.
 */
export type LogStream = 'stdout' | 'stderr';

export function createLogDecoder(onText: (text: string, stream: LogStream) => void): (chunk: Uint8Array) => void {
  let framed: boolean | undefined;
  let buf = new Uint8Array(0);
  const decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };
  return (chunk) => {
    if (framed === false) return onText(decoders.stdout.decode(chunk, { stream: true }), 'stdout');
    const joined = new Uint8Array(buf.length + chunk.length);
    joined.set(buf);
    joined.set(chunk, buf.length);
    buf = joined;
    if (framed === undefined) {
      if (buf.length < 4) return;
      framed = (buf[0] === 1 || buf[0] === 2) && buf[1] === 0 && buf[2] === 0 && buf[3] === 0;
      if (!framed) {
        onText(decoders.stdout.decode(buf, { stream: true }), 'stdout');
        buf = new Uint8Array(0);
        return;
      }
    }
    let off = 0;
    while (buf.length - off >= 8) {
      const len = new DataView(buf.buffer, buf.byteOffset + off + 4, 4).getUint32(0);
      if (buf.length - off - 8 < len) break;
      const stream: LogStream = buf[off] === 2 ? 'stderr' : 'stdout';
      onText(decoders[stream].decode(buf.subarray(off + 8, off + 8 + len), { stream: true }), stream);
      off += 8 + len;
    }
    buf = buf.slice(off);
  };
}

/** tar-stream's header encoder (headers.js, shipped with the package but not in its typings). */
declare module 'tar-stream/headers' {
  import type { Headers } from 'tar-stream';
  /** one 512-byte ustar header block; null when the name needs a pax header (non-ASCII, too long) */
  export function encode(header: Headers): Buffer | null;
  export function encodePax(opts: { name?: string; linkname?: string; pax?: Record<string, string> }): Buffer;
}

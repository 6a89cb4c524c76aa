/**
 * Byte-range parsing: `Range` on blob GET (RFC 9110 §14, single range only) and
 * the spec's `Content-Range: <start>-<end>` on upload chunks.
 */

export interface ByteRange {
  start: number;
  /** inclusive */
  end: number;
}

/**
 * Parses a `Range` header against a resource of `size` bytes.
 * Returns undefined when the header is absent, not a bytes range or asks for
 * several ranges (the full body is then a valid answer), 'unsatisfiable' when
 * no byte of the range lies inside the resource (416).
 */
export function parseRangeHeader(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m) return undefined;
  const [, a, b] = m;
  if (a === '' && b === '') return undefined;
  if (a === '') {
    // suffix range: the last N bytes
    const n = Number(b);
    if (n === 0) return 'unsatisfiable';
    return size === 0 ? 'unsatisfiable' : { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(a);
  let end = b === '' ? size - 1 : Number(b);
  if (b !== '' && end < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  if (end >= size) end = size - 1;
  return { start, end };
}

/**
 * Parses an upload chunk's `Content-Range` (`^[0-9]+-[0-9]+$`; the `bytes `
 * prefix some clients send is tolerated). Undefined when malformed.
 */
export function parseContentRange(header: string): ByteRange | undefined {
  const m = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(header.trim());
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) return undefined;
  return { start, end };
}

/** The `Range` header value the spec wants on upload responses: `0-<last byte>`. */
export function uploadRangeHeader(offset: number): string {
  // An empty upload is reported as 0-0, as clients expect a well-formed range.
  return `0-${offset > 0 ? offset - 1 : 0}`;
}

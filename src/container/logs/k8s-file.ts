/**
 * Parses conmon's k8s-file lines: one line per record,
 * `<RFC3339Nano time> <stdout|stderr> <P|F> <content>`, where P marks a partial
 * line (no newline in the original output) and F a full one. The reading itself is
 * reader.ts's (this format is also the local driver's, formats.ts).
 */

export interface ParsedLine {
  time: string;
  stream: 'stdout' | 'stderr';
  partial: boolean;
  content: Buffer;
}

export function parseK8sLine(line: Buffer): ParsedLine | undefined {
  const s1 = line.indexOf(0x20);
  const s2 = s1 < 0 ? -1 : line.indexOf(0x20, s1 + 1);
  const s3 = s2 < 0 ? -1 : line.indexOf(0x20, s2 + 1);
  if (s3 < 0) {
    // "time stream F" with empty content has no trailing space in some writers
    if (s2 < 0) return undefined;
  }
  const time = line.subarray(0, s1).toString();
  const stream = line.subarray(s1 + 1, s2).toString();
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const tag = line.subarray(s2 + 1, s3 < 0 ? line.length : s3).toString();
  const content = s3 < 0 ? Buffer.alloc(0) : line.subarray(s3 + 1);
  return { time, stream, partial: tag.startsWith('P'), content };
}

/** Seconds since the epoch (fractional) of an RFC 3339 timestamp with nanoseconds. */
export function timeToSeconds(t: string): number {
  const m = /^(.*T\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$/.exec(t);
  if (!m) return Date.parse(t) / 1000;
  const whole = Date.parse(m[1]! + m[3]!) / 1000;
  return whole + (m[2] ? Number('0' + m[2]) : 0);
}

/** Normalizes conmon's "+00:00" offsets to Docker's "Z" form with 9 fraction digits. */
export function toDockerTime(t: string): string {
  const m = /^(.*T\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$/.exec(t);
  if (!m) return t;
  const frac = (m[2] ?? '.').slice(1).padEnd(9, '0').slice(0, 9);
  if (m[3] === 'Z' || m[3] === '+00:00') return `${m[1]}.${frac}Z`;
  const d = new Date(m[1]! + m[3]!);
  return `${d.toISOString().slice(0, 19)}.${frac}Z`;
}

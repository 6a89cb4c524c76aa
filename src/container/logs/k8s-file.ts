/**
 * Reads conmon's k8s-file logs: one line per record,
 * `<RFC3339Nano time> <stdout|stderr> <P|F> <content>`, where P marks a partial
 * line (no newline in the original output) and F a full one.
 */
import { createReadStream, promises as fs, watch } from 'node:fs';
import type { LogEntry } from '../types';

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

export interface ReadLogOptions {
  since?: number;
  until?: number;
  tail?: number;
  follow: boolean;
  /** while true, a follower keeps waiting for new lines at EOF */
  isLive: () => boolean;
  /** subscribes to the end of the container (returns the unsubscribe): a follower at EOF wakes at once */
  onEnd?: (wake: () => void) => () => void;
  signal?: AbortSignal;
}

/** Yields log entries, merging P-lines into the following F-line like Docker's output. */
export async function* readK8sLog(file: string, opts: ReadLogOptions): AsyncGenerator<LogEntry> {
  let entries: LogEntry[] = [];
  let offset = 0;
  let carry = Buffer.alloc(0);

  const parseChunk = (buf: Buffer): LogEntry[] => {
    const out: LogEntry[] = [];
    let data = carry.length ? Buffer.concat([carry, buf]) : buf;
    let start = 0;
    for (;;) {
      const nl = data.indexOf(0x0a, start);
      if (nl < 0) break;
      const p = parseK8sLine(data.subarray(start, nl));
      start = nl + 1;
      if (!p) continue;
      const secs = timeToSeconds(p.time);
      if (opts.since !== undefined && opts.since > 0 && secs < opts.since) continue;
      if (opts.until !== undefined && opts.until > 0 && secs > opts.until) continue;
      out.push({ stream: p.stream, time: toDockerTime(p.time), data: p.partial ? Buffer.from(p.content) : Buffer.concat([p.content, Buffer.from('\n')]) });
    }
    carry = Buffer.from(data.subarray(start));
    data = Buffer.alloc(0);
    return out;
  };

  const readMore = async (): Promise<LogEntry[]> => {
    const st = await fs.stat(file).catch(() => undefined);
    if (!st) return [];
    if (st.size < offset) offset = 0; // rotated/truncated
    if (st.size === offset) return [];
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      const rs = createReadStream(file, { start: offset, end: st.size - 1 });
      rs.on('data', (b) => chunks.push(b as Buffer));
      rs.on('end', resolve);
      rs.on('error', reject);
    });
    const buf = Buffer.concat(chunks);
    offset += buf.length;
    return parseChunk(buf);
  };

  entries = await readMore();
  if (opts.tail !== undefined && opts.tail >= 0) entries = opts.tail === 0 ? [] : entries.slice(-opts.tail);
  for (const e of entries) yield e;
  if (!opts.follow) return;

  // Follow: inotify wakes us; a slow poll covers missed events and the end of the container.
  while (!opts.signal?.aborted) {
    const live = opts.isLive();
    const more = await readMore();
    for (const e of more) yield e;
    if (!live && more.length === 0) return;
    if (more.length > 0) continue;
    await waitForChange(file, 250, opts.signal, opts.onEnd);
  }
}

function waitForChange(file: string, ms: number, signal?: AbortSignal, onEnd?: ReadLogOptions['onEnd']): Promise<void> {
  return new Promise((resolve) => {
    let w: ReturnType<typeof watch> | undefined;
    let unsubscribe: (() => void) | undefined;
    const done = () => {
      clearTimeout(t);
      w?.close();
      unsubscribe?.();
      signal?.removeEventListener('abort', done);
      resolve();
    };
    unsubscribe = onEnd?.(done);
    const t = setTimeout(done, ms);
    try {
      w = watch(file, done);
      w.on('error', done);
    } catch {
      // the file may not exist yet; the timer covers it
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

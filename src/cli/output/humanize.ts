/** Human-readable durations and sizes, worded like Docker's go-units (clients and users match on them). */
import { humanDuration } from '../../base/human-duration';

/** "2 minutes ago" for a unix time in seconds. */
export function timeAgo(unixSeconds: number, nowMs = Date.now()): string {
  return `${humanDuration(nowMs - unixSeconds * 1000)} ago`;
}

const DECIMAL_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];

/** Go's %.{p}g: p significant digits, trailing zeros dropped. */
function formatSignificant(n: number, precision: number): string {
  return String(Number(n.toPrecision(precision)));
}

/** go-units HumanSizeWithPrecision(size, 3): decimal (1000-based) units, e.g. "4.26MB", "512B". */
export function humanSize(bytes: number, precision = 3): string {
  let size = bytes;
  let i = 0;
  while (size >= 1000 && i < DECIMAL_UNITS.length - 1) {
    size /= 1000;
    i++;
  }
  return `${formatSignificant(size, precision)}${DECIMAL_UNITS[i]}`;
}

/** go-units BytesSize: binary units ("1.5GiB"), used by `info` for memory. */
export function binarySize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let size = bytes;
  let i = 0;
  while (size >= 1024 && i < units.length - 1) {
    size /= 1024;
    i++;
  }
  return `${formatSignificant(size, 4)}${units[i]}`;
}

const RAM_UNITS: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** go-units RAMInBytes: "32m" → 33554432 (binary multiples; "b"/"kb"/"mib" suffixes accepted). */
export function parseRamBytes(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:i?b)?$/i.exec(value.trim());
  if (!m) {
    const bare = /^(\d+(?:\.\d+)?)\s*b$/i.exec(value.trim());
    if (bare) return Math.trunc(Number(bare[1]));
    throw new Error(`invalid size: '${value}'`);
  }
  const unit = (m[2] || 'b').toLowerCase();
  return Math.trunc(Number(m[1]) * (RAM_UNITS[unit] ?? 1));
}

/** Go time.ParseDuration subset ("1m30s", "500ms", "2h") → nanoseconds. */
export function parseGoDurationNs(value: string): number {
  const units: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  if (value === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(value))) {
    total += Number(m[1]) * (units[m[2]!] ?? 0);
    consumed = re.lastIndex;
  }
  if (consumed !== value.length || consumed === 0) throw new Error(`time: invalid duration "${value}"`);
  return Math.round(total);
}

/**
 * Docker's GetTimestamp for --since/--until: a Go duration is relative to now
 * (integer unix seconds), an RFC 3339 date becomes "sec.nanos", a bare number passes through.
 */
export function toApiTimestamp(value: string, nowMs = Date.now()): string {
  if (/^\d+(\.\d+)?$/.test(value)) return value;
  if (value === 'now') return String(Math.trunc(nowMs / 1000));
  try {
    const ns = parseGoDurationNs(value);
    return String(Math.trunc((nowMs - ns / 1e6) / 1000));
  } catch {
    // not a duration: try a date below
  }
  const t = Date.parse(value.includes('T') || value.length <= 10 ? value : value.replace(' ', 'T'));
  if (Number.isNaN(t)) throw new Error(`invalid value for timestamp: "${value}"`);
  const sec = Math.floor(t / 1000);
  const nanos = (t % 1000) * 1e6;
  return `${sec}.${String(nanos).padStart(9, '0')}`;
}

/** The small syntaxes inside a compose file: shell words, Go durations, byte sizes, ports. */
import { ComposeFileError } from './errors';
import type { PortConfig } from './model';

/**
 * Splits a shell-form command into words the way compose does (no expansion):
 * blanks separate words, single quotes are literal, a backslash escapes the next
 * character outside single quotes, double quotes group.
 */
export function shellSplit(s: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '' | "'" | '"' = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && quote !== "'" && i + 1 < s.length) {
      cur += s[++i];
      inWord = true;
    } else if (quote) {
      if (c === quote) quote = '';
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw new ComposeFileError(`invalid command line string: ${JSON.stringify(s)}`);
  if (inWord) words.push(cur);
  return words;
}

const DURATION_UNITS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration ("1m30s", "1.5h", "300ms") in nanoseconds; a bare number counts as seconds. */
export function parseDuration(v: unknown, what: string): number {
  if (typeof v === 'number') return Math.round(v * 1e9);
  const s = String(v).trim();
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/gy;
  const sign = s.startsWith('-') ? -1 : 1;
  const body = s.replace(/^[-+]/, '');
  let total = 0;
  let pos = 0;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    total += parseFloat(m[1]) * DURATION_UNITS[m[2]];
    pos = re.lastIndex;
  }
  if (pos === 0 || pos !== body.length) throw new ComposeFileError(`${what}: invalid duration ${JSON.stringify(s)}`);
  return sign * Math.round(total);
}

const BYTE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** A RAM size as Docker reads one ("512m", "1.5g", "10000"), in bytes. */
export function parseBytes(v: unknown, what: string): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:i?b)?$/i.exec(String(v).trim()) ?? /^(\d+(?:\.\d+)?)\s*(b)$/i.exec(String(v).trim());
  if (!m) throw new ComposeFileError(`${what}: invalid size ${JSON.stringify(v)}`);
  return Math.round(parseFloat(m[1]) * BYTE_UNITS[m[2].toLowerCase()]);
}

function parseRange(s: string, what: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) throw new ComposeFileError(`${what}: invalid port ${JSON.stringify(s)}`);
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (hi < lo || hi > 65535) throw new ComposeFileError(`${what}: invalid port range ${JSON.stringify(s)}`);
  return [lo, hi];
}

function protocolOf(p: string | undefined, what: string): 'tcp' | 'udp' {
  const proto = (p ?? 'tcp').toLowerCase();
  if (proto !== 'tcp' && proto !== 'udp') throw new ComposeFileError(`${what}: unsupported protocol ${JSON.stringify(p)}`);
  return proto;
}

/**
 * One `ports:` entry: short syntax "[[ip:]published:]target[/proto]" with ranges
 * (one entry per container port; a published range over a single target stays a
 * range), a bare number, or the long syntax.
 */
export function parsePort(v: unknown, what: string): PortConfig[] {
  if (typeof v === 'number') return [{ target: v, protocol: 'tcp' }];
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    const out: PortConfig = { target: Number(o.target), protocol: protocolOf(o.protocol as string | undefined, what) };
    if (!Number.isInteger(out.target)) throw new ComposeFileError(`${what}: invalid target port ${JSON.stringify(o.target)}`);
    if (o.published !== undefined && o.published !== null && o.published !== '') out.published = String(o.published);
    if (typeof o.host_ip === 'string' && o.host_ip) out.hostIp = o.host_ip;
    return [out];
  }
  const spec = String(v);
  const slash = spec.lastIndexOf('/');
  const protocol = protocolOf(slash >= 0 ? spec.slice(slash + 1) : undefined, what);
  const parts = (slash >= 0 ? spec.slice(0, slash) : spec).split(':');
  const targetPart = parts[parts.length - 1];
  const publishedPart = parts.length >= 2 ? parts[parts.length - 2] : '';
  let hostIp = parts.length >= 3 ? parts.slice(0, -2).join(':') : '';
  if (hostIp.startsWith('[') && hostIp.endsWith(']')) hostIp = hostIp.slice(1, -1);
  const [tLo, tHi] = parseRange(targetPart, what);
  const pub = publishedPart ? parseRange(publishedPart, what) : undefined;
  const base = (target: number, published?: string): PortConfig => ({
    target,
    ...(published !== undefined ? { published } : {}),
    ...(hostIp ? { hostIp } : {}),
    protocol,
  });
  if (tLo === tHi) return [base(tLo, publishedPart || undefined)];
  if (pub && pub[1] - pub[0] !== tHi - tLo) {
    throw new ComposeFileError(`${what}: invalid ranges specified for container and host ports: ${JSON.stringify(spec)}`);
  }
  const out: PortConfig[] = [];
  for (let p = tLo; p <= tHi; p++) out.push(base(p, pub ? String(pub[0] + (p - tLo)) : undefined));
  return out;
}

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** A boolean, or an interpolated string spelling one (Go's strconv.ParseBool). */
export function toBool(v: unknown, what: string): boolean {
  if (typeof v === 'boolean') return v;
  const s = String(v);
  if (TRUE.has(s)) return true;
  if (FALSE.has(s)) return false;
  throw new ComposeFileError(`${what} must be a boolean, got ${JSON.stringify(v)}`);
}

/** An integer, or an interpolated string spelling one. */
export function toInt(v: unknown, what: string): number {
  const n = typeof v === 'number' ? v : /^-?\d+$/.test(String(v).trim()) ? Number(String(v).trim()) : NaN;
  if (!Number.isInteger(n)) throw new ComposeFileError(`${what} must be an integer, got ${JSON.stringify(v)}`);
  return n;
}

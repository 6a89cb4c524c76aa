/**
 * Query-string access tolerant of every client's spelling: booleans as
 * 1/0, true/false and Python's True/False; filters as a map
 * (`{"label":{"a=1":true}}`, CLI) or a list (`{"label":["a=1"]}`, docker-py,
 * dockerode); repeated keys (`names=a&names=b`).
 */
import { InvalidArgumentError } from '../../base/errors';

export class QueryParams {
  constructor(private readonly params: URLSearchParams) {}

  static fromUrl(rawUrl: string): QueryParams {
    const i = rawUrl.indexOf('?');
    // URLSearchParams already turns '+' into a space, as docker-py expects.
    return new QueryParams(new URLSearchParams(i < 0 ? '' : rawUrl.slice(i + 1)));
  }

  has(key: string): boolean {
    return this.params.has(key);
  }

  string(key: string): string | undefined {
    const v = this.params.get(key);
    return v === null ? undefined : v;
  }

  all(key: string): string[] {
    return this.params.getAll(key);
  }

  /** Absent or empty → fallback; otherwise 1/true/True/yes → true, 0/false/False/no → false. */
  bool(key: string, fallback = false): boolean {
    const v = this.params.get(key);
    if (v === null || v === '') return fallback;
    return parseBool(v, key);
  }

  /** Absent/empty → undefined; non-integers → 400. */
  int(key: string): number | undefined {
    const v = this.params.get(key);
    if (v === null || v === '') return undefined;
    const n = Number(v);
    if (!Number.isInteger(n)) throw new InvalidArgumentError(`invalid ${key} value: ${v}`, 'INVALID_QUERY');
    return n;
  }

  /** Absent/empty → undefined; accepts fractions (`since=1795839656.849`). */
  number(key: string): number | undefined {
    const v = this.params.get(key);
    if (v === null || v === '') return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`invalid ${key} value: ${v}`, 'INVALID_QUERY');
    return n;
  }

  filters(key = 'filters'): Record<string, string[]> {
    const v = this.params.get(key);
    return v ? parseFilters(v) : {};
  }
}

export function parseBool(v: string, key = 'value'): boolean {
  switch (v.toLowerCase()) {
    case '1':
    case 'true':
    case 'yes':
      return true;
    case '0':
    case 'false':
    case 'no':
      return false;
    default:
      throw new InvalidArgumentError(`invalid boolean value for ${key}: ${v}`, 'INVALID_QUERY');
  }
}

/** Both filter encodings → `{key: [values]}`; map values that are false are dropped. */
export function parseFilters(raw: string): Record<string, string[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new InvalidArgumentError(`invalid filter '${raw}'`, 'INVALID_FILTER');
  }
  if (parsed === null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new InvalidArgumentError(`invalid filter '${raw}'`, 'INVALID_FILTER');
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (Array.isArray(v)) out[k] = v.map(String);
    else if (v && typeof v === 'object') out[k] = Object.entries(v as Record<string, unknown>).filter(([, on]) => on !== false).map(([name]) => name);
    else if (typeof v === 'string') out[k] = [v];
    else throw new InvalidArgumentError(`invalid filter '${raw}'`, 'INVALID_FILTER');
  }
  return out;
}

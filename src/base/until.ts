/** Docker's `until` filter value (prune, lists, events): one parser for every door. Pure. */
import { InvalidArgumentError } from './errors';

const DURATION_RE = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Unix seconds (fraction allowed), an RFC 3339 time, or a Go duration back from now. Returns epoch ms. */
export function parseUntil(v: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  if (DURATION_RE.test(v)) {
    let ms = 0;
    for (const m of v.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
    return now - ms;
  }
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new InvalidArgumentError(`failed to parse value as time or duration: "${v}"`, 'INVALID_FILTER');
  return t;
}

/** The one `until` a filter map may carry (dockerd refuses several), as epoch ms. */
export function untilFilter(filters: Record<string, string[]>, now = Date.now()): number | undefined {
  const until = filters['until'] ?? [];
  if (until.length > 1) throw new InvalidArgumentError('more than one until filter specified', 'INVALID_FILTER');
  return until.length ? parseUntil(until[0]!, now) : undefined;
}

/** Docker's image filter predicates, shared by list and prune (pure). */
import { InvalidArgumentError } from '../base/errors';
import type { ImageRecord } from './types';

/** `label=key` or `label=key=value` */
export function labelMatches(labels: Record<string, string>, f: string): boolean {
  const i = f.indexOf('=');
  return i < 0 ? f in labels : labels[f.slice(0, i)] === f.slice(i + 1);
}

/** Docker's `reference` filter: a path.Match glob where `*` does not cross "/". */
export function globMatches(pattern: string, value: string): boolean {
  const re = new RegExp('^' + pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]') + '$');
  return re.test(value);
}

export function referenceMatches(repoTags: string[], pattern: string): boolean {
  return repoTags.some((t) => globMatches(pattern, t) || globMatches(pattern, t.slice(0, t.lastIndexOf(':'))));
}

/** Milliseconds since the epoch of an image's creation (config.created, else when stored). */
export function createdMs(r: ImageRecord): number {
  return Date.parse(r.config.created ?? r.created) || 0;
}

/** `until`: unix seconds, an RFC 3339 time, or a Go duration before now ("24h", "1h30m", "90s"). */
export function parseUntil(v: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const d = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(v);
  if (d && v) return now - ((Number(d[1] ?? 0) * 60 + Number(d[2] ?? 0)) * 60 + Number(d[3] ?? 0)) * 1000;
  const t = Date.parse(v);
  if (!Number.isNaN(t)) return t;
  throw new InvalidArgumentError(`failed to parse value as time or duration: "${v}"`);
}

export function checkFilterKeys(filters: Record<string, string[]>, allowed: string[]): void {
  for (const k of Object.keys(filters)) if (!allowed.includes(k)) throw new InvalidArgumentError(`invalid filter '${k}'`);
}

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

export { parseUntil } from '../base/until';

export function checkFilterKeys(filters: Record<string, string[]>, allowed: string[]): void {
  for (const k of Object.keys(filters)) if (!allowed.includes(k)) throw new InvalidArgumentError(`invalid filter '${k}'`);
}

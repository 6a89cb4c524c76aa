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

/** A reference's name: `name:tag` and `name@digest` less the tag or digest (a registry's `:port` stays). */
function referenceName(ref: string): string {
  const at = ref.indexOf('@');
  if (at >= 0) return ref.slice(0, at);
  const colon = ref.lastIndexOf(':');
  return colon > ref.lastIndexOf('/') ? ref.slice(0, colon) : ref;
}

/** distribution's FamiliarMatch: the pattern against the whole reference, else against its name. */
export function referenceMatchesOne(ref: string, pattern: string): boolean {
  return globMatches(pattern, ref) || globMatches(pattern, referenceName(ref));
}

export function referenceMatches(repoTags: string[], pattern: string): boolean {
  return repoTags.some((t) => referenceMatchesOne(t, pattern));
}

/** Milliseconds since the epoch of an image's creation (config.created, else when stored). */
export function createdMs(r: ImageRecord): number {
  return Date.parse(r.config.created ?? r.created) || 0;
}

export { parseUntil } from '../base/until';

export function checkFilterKeys(filters: Record<string, string[]>, allowed: string[]): void {
  for (const k of Object.keys(filters)) if (!allowed.includes(k)) throw new InvalidArgumentError(`invalid filter '${k}'`);
}

/** Docker's volume list and prune filters as predicates. Pure; bad keys and values are InvalidArgument. */
import { InvalidArgumentError } from '../base/errors';
import type { VolumeRecord } from './types';

const LIST_FILTERS = ['dangling', 'name', 'label', 'driver'];
const PRUNE_FILTERS = ['label', 'label!', 'all'];
/** Docker's mark of a volume created without a name (API 1.42+ prune takes only these unless `all`). */
export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';

function validate(filters: Record<string, string[]>, accepted: string[]): void {
  for (const k of Object.keys(filters)) if (!accepted.includes(k)) throw new InvalidArgumentError(`Invalid filter '${k}'`, 'INVALID_FILTER');
}

/** Go's filters.Match: the value equals the source or matches it as a regular expression. */
function matchesAny(values: string[], source: string): boolean {
  return values.some((v) => {
    if (v === source || source.includes(v)) return true;
    try {
      return new RegExp(v).test(source);
    } catch {
      return false; // an invalid pattern matches nothing, as in Go
    }
  });
}

/** `label=k` (present) and `label=k=v` (equal); every one given must hold. */
export function matchesLabels(wanted: string[], labels: Record<string, string>): boolean {
  return wanted.every((w) => {
    const i = w.indexOf('=');
    if (i < 0) return Object.prototype.hasOwnProperty.call(labels, w);
    return labels[w.slice(0, i)] === w.slice(i + 1);
  });
}

function parseBool(key: string, v: string): boolean {
  const l = v.toLowerCase();
  if (l === 'true' || l === '1') return true;
  if (l === 'false' || l === '0') return false;
  throw new InvalidArgumentError(`Invalid filter '${key}=[${v}]'`, 'INVALID_FILTER');
}

/** GET /volumes filters; `inUse` says whether any container references a volume. */
export function volumeListFilter(filters: Record<string, string[]>, inUse: (name: string) => boolean): (v: VolumeRecord) => boolean {
  validate(filters, LIST_FILTERS);
  const dangling = filters['dangling'] ?? [];
  if (dangling.length > 1) throw new InvalidArgumentError(`got more than one value for filter key "dangling"`, 'INVALID_FILTER');
  const danglingOnly = dangling.length ? parseBool('dangling', dangling[0]!) : undefined;
  const f = (k: string): string[] | undefined => (filters[k]?.length ? filters[k] : undefined);
  const name = f('name');
  const driver = f('driver');
  const label = f('label');
  return (v) => {
    if (name && !matchesAny(name, v.name)) return false;
    if (driver && !matchesAny(driver, v.driver)) return false;
    if (label && !matchesLabels(label, v.labels)) return false;
    if (danglingOnly !== undefined && danglingOnly === inUse(v.name)) return false;
    return true;
  };
}

/** Go's strconv.ParseBool, with dockerd's wording for the `all` prune filter. */
function parseAll(values: string[]): boolean {
  if (values.length > 1) throw new InvalidArgumentError(`invalid filter 'all=[${values.join(' ')}]': only one value is expected`, 'INVALID_FILTER');
  const v = values[0];
  if (v === undefined) return false;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  throw new InvalidArgumentError(`invalid filter 'all': strconv.ParseBool: parsing "${v}": invalid syntax`, 'INVALID_FILTER');
}

/**
 * POST /volumes/prune filters: label, label!, all. Only anonymous volumes go unless `all` is true
 * (the API door adds all=true for clients older than 1.42, which pruned every unused volume).
 */
export function volumePruneFilter(filters: Record<string, string[]>): (v: VolumeRecord) => boolean {
  validate(filters, PRUNE_FILTERS);
  const label = filters['label'] ?? [];
  const notLabel = filters['label!'] ?? [];
  const all = parseAll(filters['all'] ?? []);
  return (v) => {
    if (!all && !v.anonymous && !(ANONYMOUS_LABEL in v.labels)) return false;
    if (label.length && !matchesLabels(label, v.labels)) return false;
    // label!=k=v prunes volumes that do not carry that label
    if (notLabel.length && notLabel.some((l) => matchesLabels([l], v.labels))) return false;
    return true;
  };
}

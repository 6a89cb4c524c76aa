/**
 * Which events a `docker events --filter` stream shows, with dockerd's rules: different keys
 * must all match, values of one key are alternatives, except `label` whose values must all hold.
 * container/network/volume/daemon match an id or name prefix (of any event type, as dockerd does),
 * image an id or a name with or without its tag, event the action (a prefix for the
 * `health_status`, `exec_create` and `exec_start` families).
 */
import type { EngineEvent } from './events';

export type EventFilters = Record<string, string[]>;

const FUZZY_ACTIONS = new Set(['health_status', 'exec_create', 'exec_start']);

export function matchesEventFilters(e: EngineEvent, f: EventFilters): boolean {
  const values = (k: string) => f[k] ?? [];
  const exact = (k: string, v: string) => !values(k).length || values(k).includes(v);
  const fuzzy = (k: string, v: string | undefined) => !values(k).length || (v !== undefined && values(k).some((p) => v.startsWith(p)));
  const byName = (k: string) => !values(k).length || fuzzy(k, e.id) || fuzzy(k, e.attributes.name);
  const event = values('event').some((v) => FUZZY_ACTIONS.has(v)) ? fuzzy('event', e.action) : exact('event', e.action);
  return (
    event &&
    exact('type', e.type) &&
    exact('scope', 'local') &&
    byName('daemon') &&
    byName('container') &&
    byName('volume') &&
    byName('network') &&
    matchesImage(e, values('image')) &&
    matchesLabels(e.attributes, values('label'))
  );
}

function matchesImage(e: EngineEvent, wanted: string[]): boolean {
  if (!wanted.length) return true;
  const name = e.attributes[e.type === 'image' ? 'name' : 'image'];
  const candidates = [e.id, name, stripTag(e.id), name === undefined ? undefined : stripTag(name)];
  return wanted.some((w) => candidates.includes(w));
}

/** "docker.io/library/busybox:1.36" → "busybox", "reg:5000/a/b@sha256:…" → "reg:5000/a/b" (Docker's familiar name). */
export function stripTag(ref: string): string {
  let r = ref.split('@')[0]!;
  const slash = r.lastIndexOf('/');
  const colon = r.lastIndexOf(':');
  if (colon > slash) r = r.slice(0, colon);
  if (r.startsWith('docker.io/')) r = r.slice('docker.io/'.length);
  if (r.startsWith('library/') && r.split('/').length === 2) r = r.slice('library/'.length);
  return r;
}

function matchesLabels(attrs: Record<string, string>, wanted: string[]): boolean {
  return wanted.every((w) => {
    const i = w.indexOf('=');
    return i < 0 ? w in attrs : attrs[w.slice(0, i)] === w.slice(i + 1);
  });
}

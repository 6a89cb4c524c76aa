/**
 * Compose's merge tags: `!reset` removes the key from what earlier files (or an
 * extended service) set, `!override` replaces instead of merging.
 */
import type { CollectionTag, ScalarTag, Tags } from 'yaml';

export class ResetTag {}
export class OverrideTag {
  constructor(readonly value: unknown) {}
}

const resetScalar: ScalarTag = { tag: '!reset', resolve: () => new ResetTag() };
const resetCollection = (collection: 'map' | 'seq'): CollectionTag => ({ tag: '!reset', collection, resolve: () => new ResetTag() });
const overrideScalar: ScalarTag = { tag: '!override', resolve: (s) => new OverrideTag(s) };
// A non-node result is wrapped as a scalar by the parser, so the marker survives toJS().
const overrideCollection = (collection: 'map' | 'seq'): CollectionTag => ({
  tag: '!override',
  collection,
  resolve: (node) => new OverrideTag(node.toJSON()),
});

/**
 * `0440` is octal to compose (go-yaml reads a leading-zero integer as octal, as YAML 1.1 did), where
 * YAML 1.2 would read 440: file modes (`secrets[].mode: 0440`) are written that way. Placed before the
 * core schema's int so it is tried first.
 */
const leadingZeroOctal: ScalarTag = { identify: (v) => typeof v === 'number', default: true, tag: 'tag:yaml.org,2002:int', format: 'OCT', test: /^0[0-7]+$/, resolve: (s) => parseInt(s, 8) };

export const COMPOSE_TAGS = (core: Tags): Tags => [leadingZeroOctal, ...core, resetScalar, resetCollection('map'), resetCollection('seq'), overrideScalar, overrideCollection('map'), overrideCollection('seq')];

/** The tree as a file means it on its own: reset keys gone, override markers unwrapped. */
export function stripTags(v: unknown): unknown {
  if (v instanceof OverrideTag) return stripTags(v.value);
  if (Array.isArray(v)) return v.filter((x) => !(x instanceof ResetTag)).map(stripTags);
  if (isMapping(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (!(x instanceof ResetTag)) out[k] = stripTags(x);
    return out;
  }
  return v;
}

export function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof ResetTag) && !(v instanceof OverrideTag);
}

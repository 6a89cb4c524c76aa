/**
 * Token scopes of the distribution auth spec: `type:name:action[,action]`, the
 * `access` entries a JWT carries, and the question "does this access list allow
 * that action". Pure. Resource names are held to the repository grammar here,
 * so `..`, `%2e` or a hostname in a scope never reach the issuer or storage.
 */
import { DistributionError } from '../errors.js';
import { isValidRepoName } from '../names.js';

/** One resource and the actions on it (the JWT `access` claim's element). */
export interface AccessEntry {
  type: string;
  name: string;
  actions: string[];
}

/** `repository` and `repository(plugin)`-style types; actions are lowercase words or `*`. */
const TYPE_RE = /^[a-z0-9]+(?:\([a-z0-9]+\))?$/;
const ACTION_RE = /^(?:[a-z]+|\*)$/;

export const CATALOG: Readonly<AccessEntry> = { type: 'registry', name: 'catalog', actions: ['*'] };

function badScope(scope: string, why: string): DistributionError {
  return new DistributionError(400, 'UNSUPPORTED', { message: `invalid scope ${JSON.stringify(scope)}: ${why}` });
}

/** Parses one resource scope; the name is what sits between the first and the last colon. */
export function parseScope(scope: string): AccessEntry {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last === first) throw badScope(scope, 'expected type:name:actions');
  const type = scope.slice(0, first);
  const name = scope.slice(first + 1, last);
  const actions = scope.slice(last + 1).split(',');
  if (!TYPE_RE.test(type)) throw badScope(scope, 'bad resource type');
  if (type === 'registry' ? name !== 'catalog' : !isValidRepoName(name)) {
    throw new DistributionError(400, 'NAME_INVALID', { message: `invalid scope ${JSON.stringify(scope)}: bad resource name`, detail: { name } });
  }
  if (actions.some((a) => !ACTION_RE.test(a))) throw badScope(scope, 'bad action');
  return { type, name, actions: [...new Set(actions)] };
}

/** A space-separated list (the POST form and some clients send them that way). */
export function parseScopes(values: string[]): AccessEntry[] {
  return mergeAccess(values.flatMap((v) => v.split(' ')).filter((s) => s !== '').map(parseScope));
}

export function formatScope(e: AccessEntry): string {
  return `${e.type}:${e.name}:${e.actions.join(',')}`;
}

/** Folds entries for the same resource together, keeping the first-seen action order. */
export function mergeAccess(entries: AccessEntry[]): AccessEntry[] {
  const byKey = new Map<string, AccessEntry>();
  for (const e of entries) {
    const key = `${e.type}:${e.name}`;
    const seen = byKey.get(key);
    if (seen) seen.actions = [...new Set([...seen.actions, ...e.actions])];
    else byKey.set(key, { type: e.type, name: e.name, actions: [...e.actions] });
  }
  return [...byKey.values()];
}

/** True when `granted` holds `action` (or `*`) on the resource. */
export function allows(granted: readonly AccessEntry[], type: string, name: string, action: string): boolean {
  return granted.some((g) => g.type === type && g.name === name && (g.actions.includes(action) || g.actions.includes('*')));
}

/** The needed (type, name, action) triples that `granted` does not cover. */
export function missingAccess(granted: readonly AccessEntry[], needed: readonly AccessEntry[]): { type: string; name: string; action: string }[] {
  const out: { type: string; name: string; action: string }[] = [];
  for (const n of needed) for (const a of n.actions) if (!allows(granted, n.type, n.name, a)) out.push({ type: n.type, name: n.name, action: a });
  return out;
}

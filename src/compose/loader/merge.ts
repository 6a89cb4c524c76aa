/**
 * Compose's merge rules for several -f files and for `extends`, on the raw
 * (interpolated, validated) YAML: mappings merge key by key, scalars and the
 * shell-command lists (command, entrypoint, healthcheck.test) are replaced,
 * list-or-mapping keys (environment, labels, ...) merge by key, ports/volumes/
 * secrets/configs merge by their identity, other lists append without duplicates.
 * `!reset` drops a key, `!override` replaces instead of merging.
 */
import { OverrideTag, ResetTag, isMapping } from './yaml-tags';

type Dict = Record<string, unknown>;

const REPLACE = new Set(['command', 'entrypoint', 'image', 'healthcheck.test']);
/** Lists of KEY=value (or `KEY`) that merge as mappings. */
const KEY_VALUE = new Set(['environment', 'labels', 'annotations', 'sysctls', 'build.args', 'build.labels', 'deploy.labels', 'extra_hosts']);
/** Lists of names that merge as mappings keyed by the name. */
const NAME_KEYED = new Set(['depends_on', 'networks']);

/** "KEY=value" list -> mapping (`KEY` alone maps to null); extra_hosts also splits "host:ip". */
export function keyValueMap(v: unknown, sep: RegExp = /=/): Dict {
  if (isMapping(v)) return { ...v };
  const out: Dict = {};
  if (!Array.isArray(v)) return out;
  for (const item of v) {
    const s = String(item);
    const m = sep.exec(s);
    if (m) out[s.slice(0, m.index)] = s.slice(m.index + m[0].length);
    else out[s] = null;
  }
  return out;
}

function nameKeyedMap(v: unknown): Dict {
  if (isMapping(v)) return { ...v };
  const out: Dict = {};
  if (Array.isArray(v)) for (const n of v) out[String(n)] = null;
  return out;
}

/** The container path of a volume entry: long syntax's target, short syntax's second field (or only field). */
export function volumeTarget(v: unknown): string {
  if (isMapping(v)) return String(v.target ?? '');
  const parts = String(v).split(':');
  return parts.length === 1 ? parts[0] : parts[1];
}

function identity(key: string, v: unknown): string {
  if (key === 'volumes') return volumeTarget(v);
  if ((key === 'secrets' || key === 'configs') && isMapping(v)) return String(v.target ?? v.source);
  return isMapping(v) || Array.isArray(v) ? JSON.stringify(v) : String(v);
}

/** Later entries replace earlier ones with the same identity, in place; new ones are appended. */
function mergeByIdentity(key: string, base: unknown[], over: unknown[]): unknown[] {
  const out = [...base];
  const index = new Map(out.map((v, i) => [identity(key, v), i]));
  for (const v of over) {
    const id = identity(key, v);
    const at = index.get(id);
    if (at === undefined) {
      index.set(id, out.length);
      out.push(v);
    } else if (key === 'volumes' || key === 'secrets' || key === 'configs' || key === 'ports') out[at] = v;
  }
  return out;
}

function mergeValue(path: string[], base: unknown, over: unknown): unknown {
  if (over instanceof ResetTag) return over;
  if (over instanceof OverrideTag) return over.value;
  if (base === undefined || base instanceof ResetTag) return over;
  if (over === null || over === undefined) return over === null && isMapping(base) ? base : over;
  // The key path inside one service / network / volume: "environment", "build.args"...
  const leaf = path.slice(2).join('.');
  if (REPLACE.has(leaf)) return over;
  if (KEY_VALUE.has(leaf) && (Array.isArray(base) || Array.isArray(over) || isMapping(base))) {
    const sep = leaf === 'extra_hosts' ? /[=:]/ : /=/;
    return mergeMappings(path, keyValueMap(base, sep), keyValueMap(over, sep));
  }
  if (NAME_KEYED.has(leaf)) return mergeMappings(path, nameKeyedMap(base), nameKeyedMap(over));
  if (leaf === 'build' && (typeof base === 'string' || typeof over === 'string')) {
    const asMap = (b: unknown): Dict => (typeof b === 'string' ? { context: b } : isMapping(b) ? b : {});
    return mergeMappings(path, asMap(base), asMap(over));
  }
  if (Array.isArray(base) && Array.isArray(over)) return mergeByIdentity(leaf, base, over);
  // A string or list field (dns, tmpfs, env_file...) given once each way appends too.
  if (Array.isArray(base) && typeof over === 'string') return mergeByIdentity(leaf, base, [over]);
  if (typeof base === 'string' && Array.isArray(over) && leaf !== 'command' && leaf !== 'entrypoint') return mergeByIdentity(leaf, [base], over);
  if (isMapping(base) && isMapping(over)) return mergeMappings(path, base, over);
  return over;
}

export function mergeMappings(path: string[], base: Dict, over: Dict): Dict {
  const out: Dict = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const merged = mergeValue([...path, k], base[k], v);
    if (merged instanceof ResetTag) delete out[k];
    else out[k] = merged;
  }
  return out;
}

/** Merges one service definition over another (for extends and for later -f files). */
export function mergeService(name: string, base: Dict, over: Dict): Dict {
  return mergeMappings(['services', name], base, over);
}

/** Merges whole compose documents in order. */
export function mergeDocuments(docs: Dict[]): Dict {
  let out: Dict = {};
  for (const d of docs) out = mergeMappings([], out, d);
  return out;
}

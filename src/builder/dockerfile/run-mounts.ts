/**
 * `RUN --mount=...` (Dockerfile frontend 1.2+): the CSV forms BuildKit accepts for
 * bind, cache, tmpfs, secret and ssh mounts, their defaults and their error words.
 */
export interface BindMount { type: 'bind'; target: string; source: string; from?: string; readOnly: boolean }
export interface CacheMount {
  type: 'cache';
  target: string;
  id: string;
  sharing: 'shared' | 'private' | 'locked';
  /** seed the cache from a stage or image's `source` path when it is new */
  from?: string;
  source?: string;
  readOnly: boolean;
  mode: number;
  uid: number;
  gid: number;
}
export interface TmpfsMount { type: 'tmpfs'; target: string; size?: number }
export interface SecretMount { type: 'secret'; id: string; target?: string; env?: string; required: boolean; mode: number; uid: number; gid: number }
/** `target` left out: `/run/buildkit/ssh_agent.N`, N counting the RUN's ssh mounts (the executor numbers them) */
export interface SshMount { type: 'ssh'; id: string; target?: string; required: boolean; mode: number; uid: number; gid: number }
export type RunMount = BindMount | CacheMount | TmpfsMount | SecretMount | SshMount;

export class RunMountError extends Error {}

const TYPES = new Set(['bind', 'cache', 'tmpfs', 'secret', 'ssh']);

function bool(key: string, value: string | undefined): boolean {
  if (value === undefined) return true;
  const v = value.toLowerCase();
  if (['1', 't', 'true'].includes(v)) return true;
  if (['0', 'f', 'false'].includes(v)) return false;
  throw new RunMountError(`invalid value for ${key}: ${value}`);
}

function octal(key: string, value: string): number {
  if (!/^0?[0-7]{1,4}$/.test(value)) throw new RunMountError(`invalid value ${value} for ${key}`);
  return parseInt(value, 8);
}

function int(key: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new RunMountError(`invalid value ${value} for ${key}`);
  return Number(value);
}

/** Go-style sizes for tmpfs (`size=64m`, `size=1g`, bytes without a unit). */
function size(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(value);
  if (!m) throw new RunMountError(`invalid value ${value} for size`);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[(m[2] ?? '').toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return Math.floor(Number(m[1]) * unit);
}

/** One `--mount` value (already variable-expanded). */
export function parseRunMount(value: string): RunMount {
  const fields = splitCsv(value);
  let type = 'bind';
  for (const f of fields) {
    const [k, v] = kv(f);
    if (k.toLowerCase() === 'type') {
      if (!TYPES.has((v ?? '').toLowerCase())) throw new RunMountError(`unsupported mount type "${v ?? ''}"`);
      type = (v as string).toLowerCase();
    }
  }
  let target: string | undefined;
  let source: string | undefined;
  let from: string | undefined;
  let id: string | undefined;
  let env: string | undefined;
  let readOnly: boolean | undefined;
  let sharing: CacheMount['sharing'] = 'shared';
  let mode: number | undefined;
  let uid = 0;
  let gid = 0;
  let required = false;
  let sz: number | undefined;
  for (const f of fields) {
    const [rawKey, v] = kv(f);
    const key = rawKey.toLowerCase();
    const need = (): string => {
      if (v === undefined) throw new RunMountError(`invalid field '${f}' must be a key=value pair`);
      return v;
    };
    switch (key) {
      case 'type': break;
      case 'target': case 'dst': case 'destination': target = need(); break;
      case 'source': case 'src': source = need(); break;
      case 'from': from = need(); break;
      case 'id': id = need(); break;
      case 'env': env = need(); break;
      case 'readonly': case 'ro': readOnly = bool(key, v); break;
      case 'readwrite': case 'rw': readOnly = !bool(key, v); break;
      case 'required': required = bool(key, v); break;
      case 'sharing': {
        const s = need().toLowerCase();
        if (s !== 'shared' && s !== 'private' && s !== 'locked') throw new RunMountError(`unsupported sharing value "${v ?? ''}"`);
        sharing = s;
        break;
      }
      case 'mode': mode = octal(key, need()); break;
      case 'uid': uid = int(key, need()); break;
      case 'gid': gid = int(key, need()); break;
      case 'size': sz = size(need()); break;
      default: throw new RunMountError(`unexpected key '${rawKey}' in '${f}'`);
    }
  }
  const clean = (p: string): string => (p.startsWith('/') ? p : `/${p}`).replace(/(.)\/+$/, '$1');
  if (type === 'secret') {
    if (target === undefined && id === undefined && env === undefined) throw new RunMountError('one of source, target or env required');
    const secretId = id ?? (target !== undefined ? target.split('/').filter(Boolean).pop() ?? '' : env ?? '');
    const out: SecretMount = { type: 'secret', id: secretId, required, mode: mode ?? 0o400, uid, gid };
    if (env !== undefined) out.env = env;
    if (target !== undefined || env === undefined) out.target = clean(target ?? `/run/secrets/${secretId}`);
    return out;
  }
  if (type === 'ssh') {
    const out: SshMount = { type: 'ssh', id: id ?? 'default', required, mode: mode ?? 0o600, uid, gid };
    if (target !== undefined) out.target = clean(target);
    return out;
  }
  if (target === undefined) throw new RunMountError('mount destination not specified');
  target = clean(target);
  if (type === 'tmpfs') return sz !== undefined ? { type: 'tmpfs', target, size: sz } : { type: 'tmpfs', target };
  if (type === 'cache') {
    const out: CacheMount = { type: 'cache', target, id: id ?? target, sharing, readOnly: readOnly ?? false, mode: mode ?? 0o755, uid, gid };
    if (from !== undefined) out.from = from;
    if (source !== undefined) out.source = source;
    return out;
  }
  const out: BindMount = { type: 'bind', target, source: source ?? '/', readOnly: readOnly ?? true };
  if (from !== undefined) out.from = from;
  return out;
}

function kv(field: string): [string, string | undefined] {
  const i = field.indexOf('=');
  return i < 0 ? [field, undefined] : [field.slice(0, i), field.slice(i + 1)];
}

/** encoding/csv's reading of one record: commas split, double quotes group. */
function splitCsv(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string;
    if (ch === '"') {
      if (quoted && value[i + 1] === '"') {
        cur += '"';
        i++;
      } else quoted = !quoted;
    } else if (ch === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.filter((f) => f !== '');
}

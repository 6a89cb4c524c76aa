/**
 * User namespace ID maps for dockerd's --userns-remap: the remap user's
 * subordinate ranges from /etc/subuid and /etc/subgid, turned into container ⇄
 * host ID mappings (ranges stacked from container ID 0, as dockerd does).
 * `default` creates the `berthremap` system user and gives it a range.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError } from '../base/errors';
import { run } from './spawn';

export interface IdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

export interface UsernsRemap {
  /** the user:group the ranges belong to, as `docker info` and logs name it */
  user: string;
  group: string;
  uidMappings: IdMapping[];
  gidMappings: IdMapping[];
}

export const DEFAULT_REMAP_USER = 'berthremap';
/** Size of the range `default` gives berthremap (dockerd gives dockremap the same). */
const DEFAULT_RANGE_SIZE = 65536;
const FIRST_SUBID = 100000;

interface SubRange {
  start: number;
  size: number;
}

/** "name:start:count" lines owned by `name` or by its numeric ID. */
export function parseSubIds(text: string, name: string, id?: number): SubRange[] {
  const out: SubRange[] = [];
  for (const line of text.split('\n')) {
    const [owner, start, count] = line.trim().split(':');
    if (!owner || owner.startsWith('#') || start === undefined || count === undefined) continue;
    if (owner !== name && (id === undefined || owner !== String(id))) continue;
    const s = Number(start);
    const c = Number(count);
    if (Number.isInteger(s) && Number.isInteger(c) && s >= 0 && c > 0) out.push({ start: s, size: c });
  }
  return out;
}

/** Ranges stacked from container ID 0 in file order. */
export function toMappings(ranges: SubRange[]): IdMapping[] {
  let next = 0;
  return ranges.map((r) => {
    const m = { containerID: next, hostID: r.start, size: r.size };
    next += r.size;
    return m;
  });
}

/** The host ID a container ID maps to; undefined when it lies outside every mapping. */
export function toHost(maps: IdMapping[], id: number): number | undefined {
  for (const m of maps) if (id >= m.containerID && id < m.containerID + m.size) return m.hostID + (id - m.containerID);
  return undefined;
}

/** The container ID a host ID maps to; undefined (the kernel's overflow ID) when none. */
export function toContainer(maps: IdMapping[], id: number): number | undefined {
  for (const m of maps) if (id >= m.hostID && id < m.hostID + m.size) return m.containerID + (id - m.hostID);
  return undefined;
}

/** The start of a free range above every range already handed out in `text`. */
export function nextFreeStart(text: string): number {
  let start = FIRST_SUBID;
  for (const line of text.split('\n')) {
    const [owner, s, c] = line.trim().split(':');
    if (!owner || owner.startsWith('#')) continue;
    const end = Number(s) + Number(c);
    if (Number.isFinite(end) && end > start) start = end;
  }
  return start;
}

interface Passwd {
  name: string;
  uid: number;
  gid: number;
}

async function readDb(file: string): Promise<string[][]> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':'));
}

async function lookupUser(ref: string): Promise<Passwd | undefined> {
  for (const f of await readDb('/etc/passwd')) {
    if (f[0] === ref || f[2] === ref) return { name: f[0]!, uid: Number(f[2]), gid: Number(f[3]) };
  }
  return undefined;
}

async function lookupGroup(ref: string): Promise<{ name: string; gid: number } | undefined> {
  for (const f of await readDb('/etc/group')) {
    if (f[0] === ref || f[2] === ref) return { name: f[0]!, gid: Number(f[2]) };
  }
  return undefined;
}

/** Appends `name:start:size` to a subordinate-ID file unless it already lists a range for name. */
async function ensureSubRange(file: string, name: string, uid: number): Promise<void> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  if (parseSubIds(text, name, uid).length) return;
  const sep = text === '' || text.endsWith('\n') ? '' : '\n';
  await fs.appendFile(file, `${sep}${name}:${nextFreeStart(text)}:${DEFAULT_RANGE_SIZE}\n`, { mode: 0o644 });
}

/**
 * Resolves dockerd's --userns-remap value: "default", "user", "user:group",
 * "uid", "uid:gid". Only `default` creates anything (the berthremap user and
 * its ranges, kept across restarts as dockerd keeps dockremap); the others
 * must already have ranges in /etc/subuid and /etc/subgid.
 */
export async function resolveUsernsRemap(value: string): Promise<UsernsRemap> {
  const [userRef = '', groupRef] = value.split(':');
  if (!userRef) throw new InvalidArgumentError(`invalid --userns-remap value: ${JSON.stringify(value)}`);
  let user: Passwd | undefined;
  if (value === 'default') {
    user = await lookupUser(DEFAULT_REMAP_USER);
    if (!user) {
      await run(['useradd', '--system', '--no-create-home', '--shell', '/bin/false', '--user-group', DEFAULT_REMAP_USER], { timeoutMs: 30_000 });
      user = await lookupUser(DEFAULT_REMAP_USER);
    }
    if (!user) throw new InvalidArgumentError(`Unable to create the "${DEFAULT_REMAP_USER}" user for --userns-remap=default`);
    await ensureSubRange('/etc/subuid', user.name, user.uid);
    await ensureSubRange('/etc/subgid', user.name, user.uid);
  } else {
    user = await lookupUser(userRef);
    // dockerd accepts a numeric ID without a passwd entry; ranges are then looked up by the number
    if (!user && /^\d+$/.test(userRef)) user = { name: userRef, uid: Number(userRef), gid: Number(groupRef ?? userRef) };
    if (!user) throw new InvalidArgumentError(`Can't create ID mappings: user "${userRef}" not found`);
  }
  // as dockerd: without a group, the user's own name (or ID) owns the subgid ranges too
  const group = groupRef !== undefined ? await lookupGroup(groupRef) : undefined;
  const groupName = groupRef === undefined ? user.name : group?.name ?? groupRef;
  const groupId = groupRef === undefined ? user.uid : group?.gid ?? (/^\d+$/.test(groupRef) ? Number(groupRef) : undefined);
  const uids = parseSubIds(await fs.readFile('/etc/subuid', 'utf8').catch(() => ''), user.name, user.uid);
  if (!uids.length) throw new InvalidArgumentError(`Can't create ID mappings: no subuid ranges found for user "${user.name}"`);
  const gids = parseSubIds(await fs.readFile('/etc/subgid', 'utf8').catch(() => ''), groupName, groupId);
  if (!gids.length) throw new InvalidArgumentError(`Can't create ID mappings: no subgid ranges found for group "${groupName}"`);
  return { user: user.name, group: groupName, uidMappings: toMappings(uids), gidMappings: toMappings(gids) };
}

/** The host user and group that root in a remapped container is. */
export function remappedRoot(r: UsernsRemap): { uid: number; gid: number } {
  return { uid: toHost(r.uidMappings, 0) ?? 0, gid: toHost(r.gidMappings, 0) ?? 0 };
}

/** A map as /proc/PID/uid_map takes it: one "inside outside count" line per range. */
export function procMapText(maps: IdMapping[]): string {
  return maps.map((m) => `${m.containerID} ${m.hostID} ${m.size}`).join('\n');
}

/**
 * runc resolves a container's rootfs as its remapped root: every directory above the data root must
 * let it pass. dockerd checks this at start, and so do we, in its words.
 */
export async function checkRemappedRootReaches(dataRoot: string, root: { uid: number; gid: number }): Promise<void> {
  for (let dir = path.dirname(dataRoot); ; dir = path.dirname(dir)) {
    const st = await fs.stat(dir);
    const x = st.uid === root.uid ? st.mode & 0o100 : st.gid === root.gid ? st.mode & 0o010 : st.mode & 0o001;
    if (!x) throw new InvalidArgumentError(`a subdirectory in your graphroot path (${dataRoot}) restricts access to the remapped root uid/gid; please fix by allowing 'o+x' permissions on existing directories`);
    if (dir === '/') return;
  }
}

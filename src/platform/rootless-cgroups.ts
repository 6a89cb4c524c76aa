/**
 * Which cgroup a rootless daemon may use. Only a cgroup v2 subtree delegated to the user (systemd's
 * user@UID.service, or one an admin chowned) can carry limits: the daemon moves itself into a leaf
 * (`<own>/berthd`, the no-internal-processes rule), enables the delegated controllers for its
 * children and puts each container at `<own>/berth-<id>`. On cgroup v1 a user can create nothing.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { CgroupDelegation } from './rootless';

/** The controllers runc sets limits through. */
const WANTED = ['cpu', 'cpuset', 'io', 'memory', 'pids'];

export interface CgroupFacts {
  version: 1 | 2;
  /** the v2 path of this process ("0::/..." in /proc/self/cgroup) */
  own: string;
  /** cgroup.controllers of that cgroup (what its parent granted) */
  controllers: string[];
  /** cgroup.procs and cgroup.subtree_control of that cgroup are writable by this user */
  writable: boolean;
}

/** Pure: the decision from what was read. */
export function decideDelegation(f: CgroupFacts): CgroupDelegation {
  if (f.version === 1) return { kind: 'none', reason: 'this host has cgroup v1' };
  if (!f.writable) return { kind: 'none', reason: `cgroup ${f.own} is not delegated to this user` };
  const controllers = WANTED.filter((c) => f.controllers.includes(c));
  if (!controllers.length) return { kind: 'none', reason: `cgroup ${f.own} has no controllers delegated` };
  return { kind: 'v2', parent: f.own, controllers };
}

/** "0::/user.slice/..." → "/user.slice/..." (undefined on a v1-only host). */
export function ownV2Cgroup(procSelfCgroup: string): string | undefined {
  const line = procSelfCgroup.split('\n').find((l) => l.startsWith('0::'));
  return line?.slice(3).trim() || undefined;
}

export async function readCgroupFacts(root = '/sys/fs/cgroup'): Promise<CgroupFacts> {
  const unified = await fs.access(path.join(root, 'cgroup.controllers')).then(() => true, () => false);
  const own = ownV2Cgroup(await fs.readFile('/proc/self/cgroup', 'utf8').catch(() => '')) ?? '/';
  if (!unified) return { version: 1, own, controllers: [], writable: false };
  const dir = path.join(root, own);
  const controllers = (await fs.readFile(path.join(dir, 'cgroup.controllers'), 'utf8').catch(() => '')).trim().split(/\s+/).filter(Boolean);
  const canWrite = (f: string) => fs.access(path.join(dir, f), fs.constants.W_OK).then(() => true, () => false);
  const writable = (await canWrite('cgroup.procs')) && (await canWrite('cgroup.subtree_control'));
  return { version: 2, own, controllers, writable };
}

/** Moves this process into `<parent>/berthd` and enables the controllers for the containers' cgroups. */
export async function prepareDelegatedCgroup(d: Extract<CgroupDelegation, { kind: 'v2' }>, root = '/sys/fs/cgroup'): Promise<void> {
  const dir = path.join(root, d.parent);
  const leaf = path.join(dir, 'berthd');
  await fs.mkdir(leaf, { recursive: true });
  // every process of the parent must leave it before controllers can be enabled for its children
  for (const pid of (await fs.readFile(path.join(dir, 'cgroup.procs'), 'utf8')).split('\n').filter(Boolean)) {
    await fs.writeFile(path.join(leaf, 'cgroup.procs'), pid).catch(() => undefined); // one that exited meanwhile
  }
  await fs.writeFile(path.join(dir, 'cgroup.subtree_control'), d.controllers.map((c) => `+${c}`).join(' '));
}

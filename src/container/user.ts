/**
 * Resolves Docker's `--user` forms (uid, uid:gid, name, name:group) against the
 * container's own /etc/passwd and /etc/group, as Docker does at start.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError } from '../base/errors';

export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  home: string;
}

interface PasswdEntry { name: string; uid: number; gid: number; home: string }
interface GroupEntry { name: string; gid: number; members: string[] }

export function parsePasswd(text: string): PasswdEntry[] {
  return text.split('\n').flatMap((l) => {
    const f = l.split(':');
    if (f.length < 7 || l.startsWith('#')) return [];
    return [{ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5]! }];
  });
}

export function parseGroup(text: string): GroupEntry[] {
  return text.split('\n').flatMap((l) => {
    const f = l.split(':');
    if (f.length < 4 || l.startsWith('#')) return [];
    return [{ name: f[0]!, gid: Number(f[2]), members: f[3]!.split(',').filter(Boolean) }];
  });
}

/** Pure part, unit-tested: `spec` is the --user value, files are the container's passwd/group contents. */
export function resolveUserSpec(spec: string, passwd: string, group: string, groupAdd: string[] = []): ResolvedUser {
  const users = parsePasswd(passwd);
  const groups = parseGroup(group);
  // an empty user part (":7777") is root, as runc's user lookup defaults it
  const [u0 = '', g] = (spec || '0').split(':');
  const u = u0 || '0';
  let uid: number;
  let gid: number;
  let home = '/';
  let name: string | undefined;
  if (/^\d+$/.test(u)) {
    uid = Number(u);
    const e = users.find((x) => x.uid === uid);
    gid = e?.gid ?? 0;
    home = e?.home ?? '/';
    name = e?.name;
  } else {
    const e = users.find((x) => x.name === u);
    if (!e) throw new InvalidArgumentError(`unable to find user ${u}: no matching entries in passwd file`, 'USER_NOT_FOUND');
    uid = e.uid;
    gid = e.gid;
    home = e.home;
    name = e.name;
  }
  if (g !== undefined && g !== '') {
    if (/^\d+$/.test(g)) gid = Number(g);
    else {
      const ge = groups.find((x) => x.name === g);
      if (!ge) throw new InvalidArgumentError(`unable to find group ${g}: no matching entries in group file`, 'GROUP_NOT_FOUND');
      gid = ge.gid;
    }
  }
  // As dockerd: the primary group is also a supplementary one (`id` lists it under groups=); the
  // groups that name the user as a member join only when no group was given.
  const additional = new Set<number>([gid]);
  if (name && g === undefined) for (const ge of groups) if (ge.members.includes(name)) additional.add(ge.gid);
  for (const ga of groupAdd) {
    if (/^\d+$/.test(ga)) additional.add(Number(ga));
    else {
      const ge = groups.find((x) => x.name === ga);
      if (!ge) throw new InvalidArgumentError(`Unable to find group ${ga}`, 'GROUP_NOT_FOUND');
      additional.add(ge.gid);
    }
  }
  return { uid, gid, additionalGids: [...additional], home };
}

async function readInRootfs(rootfs: string, file: string): Promise<string> {
  // lstat each component would be stricter; a symlinked /etc/passwd pointing outside is read-only exposure of a host file
  // only if the link is absolute, so resolve absolute links inside the rootfs.
  let p = path.join(rootfs, file);
  for (let i = 0; i < 8; i++) {
    const st = await fs.lstat(p).catch(() => undefined);
    if (!st) return '';
    if (!st.isSymbolicLink()) break;
    const t = await fs.readlink(p);
    p = t.startsWith('/') ? path.join(rootfs, t) : path.join(path.dirname(p), t);
    if (!p.startsWith(rootfs + '/')) return '';
  }
  return fs.readFile(p, 'utf8').catch(() => '');
}

export async function resolveUser(rootfs: string, spec: string, groupAdd: string[]): Promise<ResolvedUser> {
  const [passwd, group] = await Promise.all([readInRootfs(rootfs, 'etc/passwd'), readInRootfs(rootfs, 'etc/group')]);
  return resolveUserSpec(spec, passwd, group, groupAdd);
}

/**
 * Pure rules of `docker cp` paths: a path as the container sees it is resolved
 * in container space (symlinks followed, never above "/"), then mapped to a host
 * path through the container's mount table (rootfs, bind mounts, volumes,
 * /etc/hosts…). The file system is reached only through an injected probe, so
 * this module owns no I/O. Also the stat's units dockerd reports (Go's
 * os.FileMode bits, RFC 3339 times).
 */
import * as path from 'node:path';
import { InvalidArgumentError } from '../base/errors';

/** One place of the container's file tree backed by a host path ('/' is the rootfs). */
export interface PathMount {
  /** clean absolute container path */
  destination: string;
  /** host path that backs it */
  source: string;
  rw: boolean;
}

/** What the resolver needs to know about a host path. */
export interface PathProbe {
  /** the target when `hostPath` is a symlink, null when it is something else, undefined when it does not exist */
  readlink(hostPath: string): Promise<string | null | undefined>;
}

export interface ResolvedPath {
  /** clean absolute path inside the container */
  containerPath: string;
  hostPath: string;
  mount: PathMount;
}

/** Symlink hops before giving up, as Linux's ELOOP limit (40) is per lookup and Docker allows 255. */
const MAX_HOPS = 255;

/**
 * The absolute form of a user's path, keeping a trailing "/" or "/." (they mean
 * "a directory" and "its contents" to docker cp). Empty is refused in Docker's words.
 */
export function absContainerPath(p: string): string {
  if (p === '') throw new InvalidArgumentError('bad parameter: pathcannot be empty', 'PATH_EMPTY'); // dockerd's wording, typo included
  let abs = path.posix.join('/', p).replace(/(.)\/+$/, '$1');
  if (abs !== '/' && p.endsWith('/.')) abs += '/.';
  else if (abs !== '/' && p.endsWith('/')) abs += '/';
  return abs;
}

/** Go's filepath.Base: trailing slashes dropped, "/" for the root, "." stays ".". */
export function goBase(p: string): string {
  const trimmed = p.replace(/\/+$/, '');
  if (trimmed === '') return p.startsWith('/') ? '/' : '.';
  return path.posix.basename(trimmed);
}

/** Whether a user's path asks for a directory (ends in "/" or "/."). */
export function assertsDirectory(p: string): boolean {
  return p.endsWith('/') || p.endsWith('/.');
}

/** The mount backing a clean container path: the longest destination that contains it. */
export function mountFor(table: readonly PathMount[], containerPath: string): PathMount {
  let best: PathMount | undefined;
  for (const m of table) {
    const inside = m.destination === '/' || containerPath === m.destination || containerPath.startsWith(m.destination + '/');
    if (inside && (!best || m.destination.length > best.destination.length)) best = m;
  }
  if (!best) throw new InvalidArgumentError(`no mount backs ${containerPath}`, 'NO_ROOT_MOUNT');
  return best;
}

/** Host path of a clean container path under the mount table. */
export function hostPathOf(table: readonly PathMount[], containerPath: string): { hostPath: string; mount: PathMount } {
  const mount = mountFor(table, containerPath);
  const rest = mount.destination === '/' ? containerPath : containerPath.slice(mount.destination.length);
  return { hostPath: rest === '' || rest === '/' ? mount.source : path.join(mount.source, rest), mount };
}

/** Mount destinations that are direct children of a container directory (they show in its listing). */
export function mountChildren(table: readonly PathMount[], containerDir: string): string[] {
  const prefix = containerDir === '/' ? '/' : containerDir + '/';
  return table
    .filter((m) => m.destination !== '/' && m.destination.startsWith(prefix) && !m.destination.slice(prefix.length).includes('/'))
    .map((m) => m.destination.slice(prefix.length));
}

/**
 * Resolves `p` (absolute, container view) component by component: "." and ".."
 * are applied to the resolved prefix (".." stops at "/"), symlinks are read
 * through the mount table and their targets spliced in (absolute ones restart
 * at "/"), so nothing can lead outside the container's tree. With `followLast`
 * false a final symlink is returned itself (stat/GET show links as links).
 * Missing components are kept as they are: the caller decides what missing means.
 */
export async function resolveContainerPath(table: readonly PathMount[], p: string, probe: PathProbe, opts: { followLast: boolean }): Promise<ResolvedPath> {
  const todo = p.split('/').filter((s) => s !== '' && s !== '.');
  const done: string[] = [];
  let hops = 0;
  while (todo.length) {
    const part = todo.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      done.pop();
      continue;
    }
    const cpath = '/' + [...done, part].join('/');
    if (!todo.length && !opts.followLast) {
      done.push(part);
      break;
    }
    const target = await probe.readlink(hostPathOf(table, cpath).hostPath);
    if (typeof target === 'string') {
      if (++hops > MAX_HOPS) throw new InvalidArgumentError(`too many levels of symbolic links: ${p}`, 'SYMLINK_LOOP');
      if (target.startsWith('/')) done.length = 0;
      todo.unshift(...target.split('/').filter((s) => s !== '' && s !== '.'));
      continue;
    }
    done.push(part);
  }
  const containerPath = '/' + done.join('/');
  return { containerPath, ...hostPathOf(table, containerPath) };
}

// Go's os.FileMode bits (io/fs): type bits live above the permission bits. Numbers, not
// bit operators: ModeDir is bit 31, beyond JavaScript's signed 32-bit operators.
const GO_MODE = {
  dir: 2 ** 31,
  symlink: 2 ** 27,
  device: 2 ** 26,
  namedPipe: 2 ** 25,
  socket: 2 ** 24,
  setuid: 2 ** 23,
  setgid: 2 ** 22,
  charDevice: 2 ** 21,
  sticky: 2 ** 20,
};

/** A POSIX st_mode as Go's os.FileMode (what X-Docker-Container-Path-Stat carries). */
export function goFileMode(stMode: number): number {
  let m = stMode & 0o777;
  switch (stMode & 0o170000) {
    case 0o040000: m += GO_MODE.dir; break;
    case 0o120000: m += GO_MODE.symlink; break;
    case 0o060000: m += GO_MODE.device; break;
    case 0o020000: m += GO_MODE.device + GO_MODE.charDevice; break;
    case 0o010000: m += GO_MODE.namedPipe; break;
    case 0o140000: m += GO_MODE.socket; break;
    default: break;
  }
  if (stMode & 0o4000) m += GO_MODE.setuid;
  if (stMode & 0o2000) m += GO_MODE.setgid;
  if (stMode & 0o1000) m += GO_MODE.sticky;
  return m;
}

/** time.Time's JSON form in UTC: RFC 3339 with nanoseconds, trailing zeros dropped ("…:22Z", "…:22.5Z"). */
export function goTimeUtc(ns: bigint): string {
  const sec = ns / 1_000_000_000n;
  const frac = ns % 1_000_000_000n;
  const base = new Date(Number(sec) * 1000).toISOString().slice(0, 19);
  const f = frac === 0n ? '' : '.' + frac.toString().padStart(9, '0').replace(/0+$/, '');
  return `${base}${f}Z`;
}

/** The stat dockerd reports for a container path. */
export interface ContainerPathStat {
  name: string;
  size: number;
  /** Go os.FileMode bits */
  mode: number;
  /** RFC 3339 */
  mtime: string;
  /** for a symlink: its target resolved in the container, absolute; else "" */
  linkTarget: string;
}

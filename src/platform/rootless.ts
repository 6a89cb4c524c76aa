/**
 * Facts about rootless mode: whether this process is the rootless daemon (root of a user namespace
 * an unprivileged user made), and the ID maps such a namespace gets from /etc/subuid and /etc/subgid
 * (root inside = the user, 1..N = the user's subordinate ranges, as rootlesskit and podman map them).
 */
import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseSubIds, type IdMapping } from './idmap';

/** Set by the unprivileged launcher on the daemon it runs inside the namespaces. */
export const ROOTLESS_ENV = 'BERTH_ROOTLESS';

/** The initial user namespace maps every ID to itself. */
export function isInitialUsernsMap(uidMap: string): boolean {
  const lines = uidMap.trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number));
  return lines.length === 1 && lines[0]![0] === 0 && lines[0]![1] === 0 && lines[0]![2] === 4294967295;
}

let initialUserns: boolean | undefined;
/** Whether this process is in the host's user namespace (read once: a process does not change it). */
export function inInitialUserns(): boolean {
  if (initialUserns === undefined) {
    try {
      initialUserns = isInitialUsernsMap(readFileSync('/proc/self/uid_map', 'utf8'));
    } catch {
      initialUserns = true;
    }
  }
  return initialUserns;
}

/** This process is the rootless daemon: root of a user namespace its launcher made. */
export function isRootlessDaemon(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[ROOTLESS_ENV] === '1' && process.getuid?.() === 0 && !inInitialUserns();
}

/** An unprivileged user starting the daemon (the launcher side of rootless mode). */
export function isUnprivileged(): boolean {
  return process.getuid?.() !== 0;
}

/** Either side of rootless mode: the launcher, or the daemon it runs. */
export function isRootlessInvocation(env: NodeJS.ProcessEnv = process.env): boolean {
  return isUnprivileged() || isRootlessDaemon(env);
}

/** Maps for newuidmap/newgidmap: 0 → the user's own ID, then the subordinate ranges from 1 on. */
export function rootlessMappings(ownId: number, subIdText: string, name: string): IdMapping[] | undefined {
  const ranges = parseSubIds(subIdText, name, ownId);
  if (!ranges.length) return undefined;
  const out: IdMapping[] = [{ containerID: 0, hostID: ownId, size: 1 }];
  let next = 1;
  for (const r of ranges) {
    out.push({ containerID: next, hostID: r.start, size: r.size });
    next += r.size;
  }
  return out;
}

/** newuidmap/newgidmap's argument triples after the pid. */
export function newIdMapArgs(maps: IdMapping[]): string[] {
  return maps.flatMap((m) => [String(m.containerID), String(m.hostID), String(m.size)]);
}

/** The cgroup a rootless daemon may use: none (cgroup v1, or v2 without delegation), or a delegated v2 subtree. */
export type CgroupDelegation = { kind: 'none'; reason: string } | { kind: 'v2'; parent: string; controllers: string[] };

/** What the rootless daemon found at start; shapes storage, limits and networking. */
export interface RootlessFacts {
  /** overlayfs in the user namespace (Linux 5.11+), else fuse-overlayfs */
  storage: 'overlay' | 'fuse-overlayfs';
  cgroups: CgroupDelegation;
  /** the per-container network helper */
  network: 'pasta' | 'slirp4netns';
}

let xattrPrefix: string | undefined;
/**
 * overlayfs's own xattrs: "trusted.overlay." for host root; a user namespace cannot set trusted.*,
 * so there overlayfs is mounted with `userxattr` and uses "user.overlay." (fuse-overlayfs reads it too).
 */
export function overlayXattrPrefix(): string {
  xattrPrefix ??= inInitialUserns() ? 'trusted.overlay.' : 'user.overlay.';
  return xattrPrefix;
}

/**
 * The namespace holder (native/berth-rootless.c) keeps a rootless daemon's user and mount
 * namespaces, and with them its containers' mounts, alive when the daemon is killed; a daemon
 * started again joins them. Its pidfile is in the exec root.
 */
export function holderPidFile(execRoot: string): string {
  return path.join(execRoot, 'rootless-ns.pid');
}

/** The holder's pid if it runs (a reused pid of another process does not count). */
export async function liveHolder(execRoot: string): Promise<number | undefined> {
  const pid = Number((await fs.readFile(holderPidFile(execRoot), 'utf8').catch(() => '')).trim());
  if (!(pid > 0)) return undefined;
  const comm = (await fs.readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim();
  return comm === 'berth-nsholder' ? pid : undefined;
}

/** Ends the holder at a clean shutdown: the namespaces then end with the daemon. */
export async function releaseHolder(execRoot: string): Promise<void> {
  const pid = await liveHolder(execRoot);
  if (pid) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  await fs.rm(holderPidFile(execRoot), { force: true });
}

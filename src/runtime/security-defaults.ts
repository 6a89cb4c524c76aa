/**
 * Docker's security defaults for containers: the capability set, masked and
 * read-only /proc and /sys paths, and the device cgroup allow-list.
 * Pure data plus the cap-add/cap-drop arithmetic; no I/O.
 */
import { InvalidArgumentError } from '../base/errors';

/** Every capability Linux 5.9+ knows, in kernel bit order (index = bit). */
export const ALL_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ',
  'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

/** Docker's default capability set (moby oci/caps defaults). */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

/** Paths Docker hides from unprivileged containers (bind of /dev/null or an empty ro tmpfs). */
export const MASKED_PATHS: readonly string[] = [
  // /proc/interrupts: dockerd 28 masks it too (advisory GHSA-6fw5-f8r9-fgfm)
  '/proc/asound', '/proc/acpi', '/proc/interrupts', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];

/** Paths Docker remounts read-only in unprivileged containers. */
export const READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

export interface DeviceCgroupRule {
  allow: boolean;
  type?: 'a' | 'c' | 'b';
  major?: number;
  minor?: number;
  access: string;
}

/** Deny everything, then allow mknod of anything and use of the standard character devices. */
export const DEFAULT_DEVICE_RULES: readonly DeviceCgroupRule[] = [
  { allow: false, access: 'rwm' },
  { allow: true, type: 'c', access: 'm' },
  { allow: true, type: 'b', access: 'm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, // /dev/null
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' }, // /dev/random
  { allow: true, type: 'c', major: 1, minor: 7, access: 'rwm' }, // /dev/full
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' }, // /dev/tty
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' }, // /dev/zero
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' }, // /dev/urandom
  { allow: true, type: 'c', major: 136, access: 'rwm' }, // /dev/pts/*
  { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' }, // /dev/ptmx
  { allow: true, type: 'c', major: 10, minor: 200, access: 'rwm' }, // /dev/net/tun
];

/** "net_admin" / "CAP_NET_ADMIN" / "ALL" → canonical "CAP_NET_ADMIN" / "ALL"; unknown names throw. */
export function normalizeCapability(name: string): string {
  const up = name.trim().toUpperCase();
  if (up === 'ALL') return 'ALL';
  const full = up.startsWith('CAP_') ? up : `CAP_${up}`;
  if (!ALL_CAPABILITIES.includes(full)) throw new InvalidArgumentError(`invalid CapAdd: unknown capability: "${full}"`, 'UNKNOWN_CAPABILITY');
  return full;
}

/**
 * The capability set of a container, as Docker computes it: privileged → all;
 * "ALL" in capAdd → all minus drops; "ALL" in capDrop → only the adds;
 * otherwise defaults minus drops plus adds (an add beats a drop of the same cap).
 * `lastCap` trims to what the host kernel knows (/proc/sys/kernel/cap_last_cap); "all" is also
 * trimmed to `bounding`, the daemon's own bounding set, as no process can grant more (a daemon
 * inside a container or a restricted VM lacks some: Docker's `--privileged` then fails outright).
 */
export function defaultCapabilities(capAdd: string[], capDrop: string[], privileged: boolean, lastCap?: number, bounding?: bigint): string[] {
  const kernel = lastCap === undefined ? [...ALL_CAPABILITIES] : ALL_CAPABILITIES.slice(0, lastCap + 1);
  const known = bounding === undefined ? kernel : kernel.filter((c) => (bounding >> BigInt(ALL_CAPABILITIES.indexOf(c))) & 1n);
  if (privileged) return known;
  const adds = capAdd.map(normalizeCapability);
  const drops = capDrop.map(normalizeCapability);
  let caps: string[];
  if (adds.includes('ALL')) {
    caps = known.filter((c) => !drops.includes(c));
  } else {
    const base = drops.includes('ALL') ? [] : DEFAULT_CAPABILITIES.filter((c) => !drops.includes(c));
    caps = [...base];
    for (const a of adds) if (!caps.includes(a)) caps.push(a);
  }
  return caps.filter((c) => kernel.includes(c));
}

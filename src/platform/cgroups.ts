/**
 * The host's cgroup layout (v1, v2 or hybrid) and readers for a container's
 * cgroup files (limits, pids). Reads only; runc creates and removes cgroups.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** v1: controllers on v1 hierarchies; hybrid: v1 controllers plus an empty v2 tree at /sys/fs/cgroup/unified; v2: unified. */
export type CgroupMode = 'v1' | 'hybrid' | 'v2';

export const CGROUP_ROOT = '/sys/fs/cgroup';
const CGROUP2_MAGIC = 0x63677270;

export async function detectCgroupMode(root = CGROUP_ROOT): Promise<CgroupMode> {
  const st = await fs.statfs(root).catch(() => undefined);
  if (st && st.type === CGROUP2_MAGIC) return 'v2';
  const unified = await fs.statfs(path.join(root, 'unified')).catch(() => undefined);
  return unified && unified.type === CGROUP2_MAGIC ? 'hybrid' : 'v1';
}

/** The version that matters for limits: where the controllers live (hybrid counts as 1). */
export async function detectCgroupVersion(root = CGROUP_ROOT): Promise<1 | 2> {
  return (await detectCgroupMode(root)) === 'v2' ? 2 : 1;
}

/** Directory of `cgroupsPath` (cgroupfs form "/berth/<id>") for one v1 controller, or the v2 dir. */
export function cgroupDir(mode: CgroupMode, cgroupsPath: string, controller: string, root = CGROUP_ROOT): string {
  const rel = cgroupsPath.replace(/^\/+/, '');
  return mode === 'v2' ? path.join(root, rel) : path.join(root, controller, rel);
}

async function readValue(file: string): Promise<string | undefined> {
  try {
    return (await fs.readFile(file, 'utf8')).trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Memory limit in bytes; undefined when the cgroup is missing; Infinity when unlimited. */
export async function readMemoryLimit(cgroupsPath: string, mode?: CgroupMode, root = CGROUP_ROOT): Promise<number | undefined> {
  const m = mode ?? (await detectCgroupMode(root));
  const file = m === 'v2' ? path.join(cgroupDir(m, cgroupsPath, '', root), 'memory.max') : path.join(cgroupDir(m, cgroupsPath, 'memory', root), 'memory.limit_in_bytes');
  const v = await readValue(file);
  if (v === undefined) return undefined;
  if (v === 'max') return Infinity;
  const n = Number(v);
  // v1 reports "unlimited" as a huge page-aligned number close to 2^63.
  return n >= 2 ** 62 ? Infinity : n;
}

/** Current memory usage in bytes, or undefined when the cgroup is missing. */
export async function readMemoryUsage(cgroupsPath: string, mode?: CgroupMode, root = CGROUP_ROOT): Promise<number | undefined> {
  const m = mode ?? (await detectCgroupMode(root));
  const file = m === 'v2' ? path.join(cgroupDir(m, cgroupsPath, '', root), 'memory.current') : path.join(cgroupDir(m, cgroupsPath, 'memory', root), 'memory.usage_in_bytes');
  const v = await readValue(file);
  return v === undefined ? undefined : Number(v);
}

/** PIDs (host view) of every process in the cgroup (v1: pids controller, recursive). */
export async function readCgroupPids(cgroupsPath: string, mode?: CgroupMode, root = CGROUP_ROOT): Promise<number[]> {
  const m = mode ?? (await detectCgroupMode(root));
  const dir = cgroupDir(m, cgroupsPath, 'pids', root);
  const out: number[] = [];
  const walk = async (d: string): Promise<void> => {
    const procs = await readValue(path.join(d, 'cgroup.procs'));
    if (procs === undefined) return;
    for (const l of procs.split('\n')) if (l) out.push(Number(l));
    const entries = await fs.readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of entries) if (e.isDirectory()) await walk(path.join(d, e.name));
  };
  await walk(dir);
  return out;
}

/** pids.max of the cgroup; Infinity for "max", undefined when missing. */
export async function readPidsLimit(cgroupsPath: string, mode?: CgroupMode, root = CGROUP_ROOT): Promise<number | undefined> {
  const m = mode ?? (await detectCgroupMode(root));
  const v = await readValue(path.join(cgroupDir(m, cgroupsPath, 'pids', root), 'pids.max'));
  if (v === undefined) return undefined;
  return v === 'max' ? Infinity : Number(v);
}

/** A point-in-time reading of a container's cgroup, for `docker stats`. */
export interface CgroupSample {
  cpuTotalNs: number;
  cpuUserNs: number;
  cpuSystemNs: number;
  memoryUsage: number;
  memoryLimit: number;
  memoryStat: Record<string, number>;
  pids: number;
  /** host CPU time (ns) summed over all CPUs, from /proc/stat */
  systemCpuNs: number;
  onlineCpus: number;
}

async function readNumber(file: string): Promise<number | undefined> {
  const t = (await fs.readFile(file, 'utf8').catch(() => '')).trim();
  if (!t || t === 'max') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

async function readKeyValues(file: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const line of (await fs.readFile(file, 'utf8').catch(() => '')).split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && Number.isFinite(Number(v))) out[k] = Number(v);
  }
  return out;
}

/** USER_HZ is 100 on Linux: /proc/stat and cpuacct.stat count in 1/100 s. */
const TICK_NS = 10_000_000;

export async function readSystemCpuNs(): Promise<{ ns: number; cpus: number }> {
  const text = await fs.readFile('/proc/stat', 'utf8');
  const first = text.split('\n')[0]!.trim().split(/\s+/).slice(1, 8).map(Number);
  const cpus = text.split('\n').filter((l) => /^cpu\d+ /.test(l)).length;
  return { ns: first.reduce((a, b) => a + b, 0) * TICK_NS, cpus };
}

export async function sampleCgroup(cgroupsPath: string, mode?: CgroupMode, root = CGROUP_ROOT): Promise<CgroupSample> {
  const m = mode ?? (await detectCgroupMode(root));
  const sys = await readSystemCpuNs();
  const pids = (await readCgroupPids(cgroupsPath, m, root)).length;
  if (m === 'v2') {
    const dir = cgroupDir(m, cgroupsPath, 'cpu', root);
    const cpu = await readKeyValues(path.join(dir, 'cpu.stat'));
    return {
      cpuTotalNs: (cpu.usage_usec ?? 0) * 1000,
      cpuUserNs: (cpu.user_usec ?? 0) * 1000,
      cpuSystemNs: (cpu.system_usec ?? 0) * 1000,
      memoryUsage: (await readNumber(path.join(dir, 'memory.current'))) ?? 0,
      memoryLimit: (await readNumber(path.join(dir, 'memory.max'))) ?? os.totalmem(),
      memoryStat: await readKeyValues(path.join(dir, 'memory.stat')),
      pids,
      systemCpuNs: sys.ns,
      onlineCpus: sys.cpus,
    };
  }
  const cpuDir = cgroupDir(m, cgroupsPath, 'cpuacct', root);
  const acct = await readKeyValues(path.join(cpuDir, 'cpuacct.stat'));
  const memDir = cgroupDir(m, cgroupsPath, 'memory', root);
  const limit = (await readNumber(path.join(memDir, 'memory.limit_in_bytes'))) ?? os.totalmem();
  return {
    cpuTotalNs: (await readNumber(path.join(cpuDir, 'cpuacct.usage'))) ?? 0,
    cpuUserNs: (acct.user ?? 0) * TICK_NS,
    cpuSystemNs: (acct.system ?? 0) * TICK_NS,
    memoryUsage: (await readNumber(path.join(memDir, 'memory.usage_in_bytes'))) ?? 0,
    // v1 reports "unlimited" as a huge page-aligned number; Docker shows the host's memory then
    memoryLimit: Math.min(limit, os.totalmem()),
    memoryStat: await readKeyValues(path.join(memDir, 'memory.stat')),
    pids,
    systemCpuNs: sys.ns,
    onlineCpus: sys.cpus,
  };
}

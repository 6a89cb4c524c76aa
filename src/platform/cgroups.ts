/**
 * The host's cgroup layout (v1, v2 or hybrid) and readers for a container's
 * cgroup files (limits, pids). Reads only; runc creates and removes cgroups.
 */
import { promises as fs, readFileSync, readdirSync, type Dirent } from 'node:fs';
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

/**
 * On cgroup v1 the runtimes freeze a container's cgroup to kill what is left in it as they delete it
 * (crun at the end of every build step). The kernel switches freezing on and off with a static key:
 * the first frozen cgroup and the last thawed one each patch the kernel's code, which stops every CPU
 * (text_poke; ~5 ms a step on the 2-core host, profiled with perf). One empty cgroup kept frozen holds
 * the key on: `crun run` of a step's spec took 24-27 ms instead of 31-34. Shared by every daemon, kept.
 */
export async function holdFreezerKey(root = CGROUP_ROOT): Promise<void> {
  const dir = path.join(root, 'freezer', 'berth-freezer-hold');
  await fs.mkdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'EEXIST') throw e;
  });
  await fs.writeFile(path.join(dir, 'freezer.state'), 'FROZEN');
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

/** One block device counter, as Docker's blkio_stats lists it ("Read", "Write", ... on v1; "read", "write" on v2). */
export interface BlkioEntry {
  major: number;
  minor: number;
  op: string;
  value: number;
}

/**
 * A point-in-time reading of a container's cgroup: what `docker stats` and
 * /metrics report. One reader for v1 and v2; the fields are normalized so
 * neither consumer knows the cgroup version, except that memoryStat keeps
 * the kernel's own keys (Docker passes them through).
 */
export interface CgroupSample {
  cgroupVersion: 1 | 2;
  cpuTotalNs: number;
  cpuUserNs: number;
  cpuSystemNs: number;
  /** CFS bandwidth: periods elapsed, periods throttled, time throttled */
  throttling: { periods: number; throttledPeriods: number; throttledTimeNs: number };
  memoryUsage: number;
  /** the cgroup's limit, or the host's memory when unlimited (as Docker shows it) */
  memoryLimit: number;
  /** true when the cgroup sets no memory limit */
  memoryUnlimited: boolean;
  memoryStat: Record<string, number>;
  /** usage less inactive file pages: what the kernel cannot reclaim easily (cAdvisor's working set) */
  memoryWorkingSet: number;
  /** v1 memory.failcnt; v2 memory.events "max" */
  memoryFailcnt: number;
  /** processes (cgroup.procs, recursive) */
  pids: number;
  /** tasks, i.e. threads (pids.current) */
  threads: number;
  /** pids.max; undefined when unlimited */
  pidsLimit: number | undefined;
  blkio: { serviceBytes: BlkioEntry[]; serviced: BlkioEntry[] };
  /** host CPU time (ns) summed over all CPUs, from /proc/stat */
  systemCpuNs: number;
  onlineCpus: number;
}

/**
 * A cgroup or procfs file, '' when missing. Read synchronously on purpose: these files are made by the
 * kernel on read and never wait on a disk, and a sample reads ~17 of them; through the thread pool each
 * cost an open/fstat/read/close round trip, and /metrics over 40 containers spent most of its CPU there.
 */
function readKernelFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function readNumber(file: string): number | undefined {
  const t = readKernelFile(file).trim();
  if (!t || t === 'max') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/** "key value" lines (cpu.stat, memory.stat, memory.events) → record. */
export function parseKeyValues(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && Number.isFinite(Number(v))) out[k] = Number(v);
  }
  return out;
}

function readKeyValues(file: string): Record<string, number> {
  return parseKeyValues(readKernelFile(file));
}

/** v1 blkio.*_recursive: "8:0 Read 4096" lines and a closing "Total N" (dropped: it has no device). */
export function parseBlkioV1(text: string): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+):(\d+)\s+(\S+)\s+(\d+)$/.exec(line.trim());
    if (m) out.push({ major: Number(m[1]), minor: Number(m[2]), op: m[3]!, value: Number(m[4]) });
  }
  return out;
}

/** v2 io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0" → Docker's read/write entries. */
export function parseIoStatV2(text: string): { serviceBytes: BlkioEntry[]; serviced: BlkioEntry[] } {
  const serviceBytes: BlkioEntry[] = [];
  const serviced: BlkioEntry[] = [];
  for (const line of text.split('\n')) {
    const [dev, ...pairs] = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(dev ?? '');
    if (!m) continue;
    const kv = Object.fromEntries(pairs.map((p) => p.split('=')).map(([k, v]) => [k, Number(v)]));
    const at = { major: Number(m[1]), minor: Number(m[2]) };
    serviceBytes.push({ ...at, op: 'read', value: kv.rbytes ?? 0 }, { ...at, op: 'write', value: kv.wbytes ?? 0 });
    serviced.push({ ...at, op: 'read', value: kv.rios ?? 0 }, { ...at, op: 'write', value: kv.wios ?? 0 });
  }
  return { serviceBytes, serviced };
}

/** USER_HZ is 100 on Linux: /proc/stat and cpuacct.stat count in 1/100 s. */
const TICK_NS = 10_000_000;

export async function readSystemCpuNs(): Promise<{ ns: number; cpus: number }> {
  const text = await fs.readFile('/proc/stat', 'utf8');
  const first = text.split('\n')[0]!.trim().split(/\s+/).slice(1, 8).map(Number);
  const cpus = text.split('\n').filter((l) => /^cpu\d+ /.test(l)).length;
  return { ns: first.reduce((a, b) => a + b, 0) * TICK_NS, cpus };
}

/** Times the kernel OOM-killed a process of the cgroup (0 when unknown or the cgroup is gone). */
export async function readOomKills(cgroupsPath: string, mode?: CgroupMode, root = CGROUP_ROOT): Promise<number> {
  const m = mode ?? (await detectCgroupMode(root));
  const file = m === 'v2' ? path.join(cgroupDir(m, cgroupsPath, '', root), 'memory.events') : path.join(cgroupDir(m, cgroupsPath, 'memory', root), 'memory.oom_control');
  return readKeyValues(file).oom_kill ?? 0;
}

/** Processes in a cgroup and its children (cgroup.procs of each). */
function countProcs(dir: string): number {
  let n = readKernelFile(path.join(dir, 'cgroup.procs')).split('\n').filter(Boolean).length;
  let entries: Dirent[] = [];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return n;
  }
  for (const e of entries) if (e.isDirectory()) n += countProcs(path.join(dir, e.name));
  return n;
}

/** The host's CPU clock is read once per batch of samples (a /metrics scrape) and passed in. */
export async function sampleCgroup(cgroupsPath: string, mode?: CgroupMode, root = CGROUP_ROOT, sys?: { ns: number; cpus: number }): Promise<CgroupSample> {
  const m = mode ?? (await detectCgroupMode(root));
  const host = sys ?? (await readSystemCpuNs());
  const pidsDir = cgroupDir(m, cgroupsPath, 'pids', root);
  const pids = countProcs(pidsDir);
  const threads = readNumber(path.join(pidsDir, 'pids.current')) ?? pids;
  const pidsLimit = readNumber(path.join(pidsDir, 'pids.max'));
  const common = { pids, threads, pidsLimit, systemCpuNs: host.ns, onlineCpus: host.cpus };
  if (m === 'v2') {
    const dir = cgroupDir(m, cgroupsPath, '', root);
    const cpu = readKeyValues(path.join(dir, 'cpu.stat'));
    const memoryStat = readKeyValues(path.join(dir, 'memory.stat'));
    const events = readKeyValues(path.join(dir, 'memory.events'));
    const usage = readNumber(path.join(dir, 'memory.current')) ?? 0;
    const limit = readNumber(path.join(dir, 'memory.max'));
    return {
      ...common,
      cgroupVersion: 2,
      cpuTotalNs: (cpu.usage_usec ?? 0) * 1000,
      cpuUserNs: (cpu.user_usec ?? 0) * 1000,
      cpuSystemNs: (cpu.system_usec ?? 0) * 1000,
      throttling: { periods: cpu.nr_periods ?? 0, throttledPeriods: cpu.nr_throttled ?? 0, throttledTimeNs: (cpu.throttled_usec ?? 0) * 1000 },
      memoryUsage: usage,
      memoryLimit: limit ?? os.totalmem(),
      memoryUnlimited: limit === undefined,
      memoryStat,
      memoryWorkingSet: Math.max(0, usage - (memoryStat.inactive_file ?? 0)),
      memoryFailcnt: events.max ?? 0,
      blkio: parseIoStatV2(readKernelFile(path.join(dir, 'io.stat'))),
    };
  }
  const cpuDir = cgroupDir(m, cgroupsPath, 'cpuacct', root);
  const memDir = cgroupDir(m, cgroupsPath, 'memory', root);
  const blkDir = cgroupDir(m, cgroupsPath, 'blkio', root);
  const acct = readKeyValues(path.join(cpuDir, 'cpuacct.stat'));
  const cpu = readKeyValues(path.join(cgroupDir(m, cgroupsPath, 'cpu', root), 'cpu.stat'));
  const memoryStat = readKeyValues(path.join(memDir, 'memory.stat'));
  const usage = readNumber(path.join(memDir, 'memory.usage_in_bytes')) ?? 0;
  const limit = readNumber(path.join(memDir, 'memory.limit_in_bytes')) ?? Infinity;
  // without the CFQ scheduler the blkio.io_* files are missing or empty; the throttle ones always count
  const blk = (name: string) => {
    const cfq = parseBlkioV1(readKernelFile(path.join(blkDir, `blkio.${name}`)));
    return cfq.length ? cfq : parseBlkioV1(readKernelFile(path.join(blkDir, `blkio.throttle.${name}`)));
  };
  return {
    ...common,
    cgroupVersion: 1,
    cpuTotalNs: readNumber(path.join(cpuDir, 'cpuacct.usage')) ?? 0,
    cpuUserNs: (acct.user ?? 0) * TICK_NS,
    cpuSystemNs: (acct.system ?? 0) * TICK_NS,
    throttling: { periods: cpu.nr_periods ?? 0, throttledPeriods: cpu.nr_throttled ?? 0, throttledTimeNs: cpu.throttled_time ?? 0 },
    memoryUsage: usage,
    // v1 reports "unlimited" as a huge page-aligned number; Docker shows the host's memory then
    memoryLimit: Math.min(limit, os.totalmem()),
    memoryUnlimited: limit >= 2 ** 62,
    memoryStat,
    memoryWorkingSet: Math.max(0, usage - (memoryStat.total_inactive_file ?? 0)),
    memoryFailcnt: readNumber(path.join(memDir, 'memory.failcnt')) ?? 0,
    blkio: { serviceBytes: blk('io_service_bytes_recursive'), serviced: blk('io_serviced_recursive') },
  };
}

/**
 * Reads the HostFacts the pure generator in oci-spec.ts needs: cgroup
 * version, hard rlimits, last capability, swap accounting, and device nodes.
 * I/O only; no decisions.
 */
import { promises as fs, constants as fsc } from 'node:fs';
import { detectCgroupMode } from '../platform/cgroups';
import type { HostDevice, HostFacts } from './oci-spec';

const LIMIT_NAMES: Record<string, string> = {
  'Max cpu time': 'cpu',
  'Max file size': 'fsize',
  'Max data size': 'data',
  'Max stack size': 'stack',
  'Max core file size': 'core',
  'Max resident set': 'rss',
  'Max processes': 'nproc',
  'Max open files': 'nofile',
  'Max locked memory': 'memlock',
  'Max address space': 'as',
  'Max file locks': 'locks',
  'Max pending signals': 'sigpending',
  'Max msgqueue size': 'msgqueue',
  'Max nice priority': 'nice',
  'Max realtime priority': 'rtprio',
  'Max realtime timeout': 'rttime',
};

/** `/proc/self/limits` text → hard limits by Docker name ("unlimited" → MAX_SAFE_INTEGER). */
export function parseHardLimits(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    for (const [label, name] of Object.entries(LIMIT_NAMES)) {
      if (!line.startsWith(label)) continue;
      const hard = line.slice(label.length).trim().split(/\s+/)[1];
      out[name] = hard === undefined || hard === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(hard);
    }
  }
  return out;
}

export async function readHostFacts(devicePaths: string[] = []): Promise<HostFacts> {
  const mode = await detectCgroupMode();
  const rlimitHard = parseHardLimits(await fs.readFile('/proc/self/limits', 'utf8'));
  const capLastCap = Number((await fs.readFile('/proc/sys/kernel/cap_last_cap', 'utf8').catch(() => '')).trim()) || undefined;
  const bnd = /^CapBnd:\s*([0-9a-f]+)$/m.exec(await fs.readFile('/proc/self/status', 'utf8').catch(() => ''));
  const swapLimit =
    mode === 'v2'
      ? true // v2 always accounts swap when the memory controller is on
      : await fs.access('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes', fsc.F_OK).then(() => true, () => false);
  return { cgroupVersion: mode === 'v2' ? 2 : 1, rlimitHard, capLastCap, capBounding: bnd ? BigInt(`0x${bnd[1]}`) : undefined, swapLimit, devices: await readDeviceFacts(devicePaths) };
}

/** stat of each device node; missing paths are left out (the generator reports them). */
export async function readDeviceFacts(paths: string[]): Promise<Record<string, HostDevice>> {
  const out: Record<string, HostDevice> = {};
  for (const p of paths) {
    const st = await fs.stat(p).catch(() => undefined);
    if (!st) continue;
    const type = st.isCharacterDevice() ? 'c' : st.isBlockDevice() ? 'b' : st.isFIFO() ? 'p' : undefined;
    if (!type) continue;
    const rdev = st.rdev;
    // glibc's major()/minor() encoding of dev_t.
    const major = ((rdev >> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
    const minor = (rdev & 0xff) | ((rdev >> 12) & 0xfff00);
    out[p] = { type, major, minor, fileMode: st.mode, uid: st.uid, gid: st.gid };
  }
  return out;
}

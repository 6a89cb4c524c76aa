/**
 * One reading of a container's resources (cgroup + network namespace): the
 * single reader behind `docker stats` and the daemon's /metrics.
 */
import { detectCgroupMode, readSystemCpuNs, sampleCgroup, type CgroupMode } from '../platform/cgroups';
import { readNetDev } from '../platform/netdev';
import { cgroupsPathOf } from './context';
import type { ContainerRecord, ContainerStatsSample } from './types';

export interface StatsReadContext {
  mode: CgroupMode;
  /** the host's CPU clock, read once for a batch */
  sys: { ns: number; cpus: number };
}

export async function statsReadContext(): Promise<StatsReadContext> {
  const [mode, sys] = await Promise.all([detectCgroupMode(), readSystemCpuNs()]);
  return { mode, sys };
}

export async function readContainerStats(rec: ContainerRecord, rc?: StatsReadContext): Promise<ContainerStatsSample> {
  // a restarting container has no cgroup between its runs
  const running = rec.state.status === 'running' || rec.state.status === 'paused';
  const base = { id: rec.id, name: rec.name, image: rec.spec.image, read: new Date().toISOString(), running };
  if (!running) return { ...base, sample: undefined, networks: [] };
  const c = rc ?? (await statsReadContext());
  const [sample, networks] = await Promise.all([sampleCgroup(cgroupsPathOf(rec.id), c.mode, undefined, c.sys), readNetDev(rec.state.pid)]);
  return { ...base, sample, networks };
}

/** Core cgroup readings → Docker's stats JSON (what `docker stats` and dockerode read). Pure. */
import type { ContainerStatsSample } from '../../../container/types';
import type { CgroupSample } from '../../../platform/cgroups';

const ZERO_TIME = '0001-01-01T00:00:00Z';

function cpuStats(s: CgroupSample | undefined): Record<string, unknown> {
  if (!s) return { cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } };
  return {
    cpu_usage: { total_usage: s.cpuTotalNs, usage_in_kernelmode: s.cpuSystemNs, usage_in_usermode: s.cpuUserNs },
    system_cpu_usage: s.systemCpuNs,
    online_cpus: s.onlineCpus,
    throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
  };
}

export function toStatsWire(cur: ContainerStatsSample, prev: ContainerStatsSample | undefined): Record<string, unknown> {
  const s = cur.sample;
  return {
    read: cur.running ? cur.read : ZERO_TIME,
    preread: prev?.running ? prev.read : ZERO_TIME,
    pids_stats: s ? { current: s.pids } : {},
    blkio_stats: { io_service_bytes_recursive: null, io_serviced_recursive: null, io_queue_recursive: null, io_service_time_recursive: null, io_wait_time_recursive: null, io_merged_recursive: null, io_time_recursive: null, sectors_recursive: null },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpuStats(s),
    precpu_stats: cpuStats(prev?.sample),
    memory_stats: s ? { usage: s.memoryUsage, limit: s.memoryLimit, stats: s.memoryStat } : {},
    name: `/${cur.name}`,
    id: cur.id,
  };
}

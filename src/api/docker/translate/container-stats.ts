/** Core resource readings → Docker's stats JSON (what `docker stats` and dockerode read). Pure. */
import type { ContainerStatsSample } from '../../../container/types';
import type { BlkioEntry, CgroupSample } from '../../../platform/cgroups';
import type { InterfaceCounters } from '../../../platform/netdev';

const ZERO_TIME = '0001-01-01T00:00:00Z';

function cpuStats(s: CgroupSample | undefined): Record<string, unknown> {
  if (!s) return { cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } };
  return {
    cpu_usage: { total_usage: s.cpuTotalNs, usage_in_kernelmode: s.cpuSystemNs, usage_in_usermode: s.cpuUserNs },
    system_cpu_usage: s.systemCpuNs,
    online_cpus: s.onlineCpus,
    throttling_data: { periods: s.throttling.periods, throttled_periods: s.throttling.throttledPeriods, throttled_time: s.throttling.throttledTimeNs },
  };
}

const blkio = (e: BlkioEntry[]) => (e.length ? e.map((x) => ({ major: x.major, minor: x.minor, op: x.op, value: x.value })) : null);

function blkioStats(s: CgroupSample | undefined): Record<string, unknown> {
  return {
    io_service_bytes_recursive: s ? blkio(s.blkio.serviceBytes) : null,
    io_serviced_recursive: s ? blkio(s.blkio.serviced) : null,
    io_queue_recursive: null,
    io_service_time_recursive: null,
    io_wait_time_recursive: null,
    io_merged_recursive: null,
    io_time_recursive: null,
    sectors_recursive: null,
  };
}

function networks(n: InterfaceCounters[]): Record<string, unknown> | undefined {
  if (!n.length) return undefined;
  return Object.fromEntries(n.map((i) => [i.name, {
    rx_bytes: i.rxBytes, rx_packets: i.rxPackets, rx_errors: i.rxErrors, rx_dropped: i.rxDropped,
    tx_bytes: i.txBytes, tx_packets: i.txPackets, tx_errors: i.txErrors, tx_dropped: i.txDropped,
  }]));
}

function memoryStats(s: CgroupSample | undefined): Record<string, unknown> {
  if (!s) return {};
  // v1 also carries failcnt (dockerd's max_usage needs memory.max_usage_in_bytes, which v2 lacks)
  return { usage: s.memoryUsage, stats: s.memoryStat, limit: s.memoryLimit, ...(s.cgroupVersion === 1 ? { failcnt: s.memoryFailcnt } : {}) };
}

export function toStatsWire(cur: ContainerStatsSample, prev: ContainerStatsSample | undefined): Record<string, unknown> {
  const s = cur.sample;
  const nets = networks(cur.networks);
  return {
    read: cur.running ? cur.read : ZERO_TIME,
    preread: prev?.running ? prev.read : ZERO_TIME,
    pids_stats: s ? { current: s.threads, ...(s.pidsLimit !== undefined ? { limit: s.pidsLimit } : {}) } : {},
    blkio_stats: blkioStats(s),
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpuStats(s),
    precpu_stats: cpuStats(prev?.sample),
    memory_stats: memoryStats(s),
    name: `/${cur.name}`,
    id: cur.id,
    ...(nets ? { networks: nets } : {}),
  };
}

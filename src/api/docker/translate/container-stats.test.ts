import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toStatsWire } from './container-stats';
import type { ContainerStatsSample } from '../../../container/types';

const sample = (cpu: number, sys: number): ContainerStatsSample => ({
  id: 'abc', name: 'web', image: 'bb', read: '2026-11-28T06:00:00.000Z', running: true,
  sample: {
    cgroupVersion: 2, cpuTotalNs: cpu, cpuUserNs: cpu / 2, cpuSystemNs: cpu / 2, throttling: { periods: 5, throttledPeriods: 1, throttledTimeNs: 7 },
    memoryUsage: 1000, memoryLimit: 4000, memoryUnlimited: false, memoryStat: { inactive_file: 10 }, memoryWorkingSet: 990, memoryFailcnt: 0,
    pids: 2, threads: 3, pidsLimit: 100, blkio: { serviceBytes: [{ major: 8, minor: 0, op: 'read', value: 4096 }], serviced: [] },
    systemCpuNs: sys, onlineCpus: 2,
  },
  networks: [{ name: 'eth0', rxBytes: 10, rxPackets: 1, rxErrors: 0, rxDropped: 0, txBytes: 20, txPackets: 2, txErrors: 0, txDropped: 0 }],
});

test('stats carry both readings so clients can compute CPU %', () => {
  const w = toStatsWire(sample(200, 2000), sample(100, 1000)) as { cpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage: number; online_cpus: number; throttling_data: { throttled_periods: number } }; precpu_stats: { cpu_usage: { total_usage: number } }; memory_stats: { usage: number; limit: number }; pids_stats: { current: number; limit: number }; name: string };
  assert.equal(w.cpu_stats.cpu_usage.total_usage, 200);
  assert.equal(w.precpu_stats.cpu_usage.total_usage, 100);
  assert.equal(w.cpu_stats.system_cpu_usage, 2000);
  assert.equal(w.cpu_stats.online_cpus, 2);
  assert.equal(w.cpu_stats.throttling_data.throttled_periods, 1);
  assert.deepEqual([w.memory_stats.usage, w.memory_stats.limit], [1000, 4000]);
  assert.deepEqual(w.pids_stats, { current: 3, limit: 100 });
  assert.equal(w.name, '/web');
});

test('networks and block I/O come in Docker shape', () => {
  const w = toStatsWire(sample(1, 1), undefined) as { networks: Record<string, { rx_bytes: number; tx_packets: number }>; blkio_stats: { io_service_bytes_recursive: unknown; io_serviced_recursive: unknown } };
  assert.deepEqual(Object.keys(w.networks), ['eth0']);
  assert.equal(w.networks.eth0!.rx_bytes, 10);
  assert.equal(w.networks.eth0!.tx_packets, 2);
  assert.deepEqual(w.blkio_stats.io_service_bytes_recursive, [{ major: 8, minor: 0, op: 'read', value: 4096 }]);
  assert.equal(w.blkio_stats.io_serviced_recursive, null);
});

test('a stopped container reads as zeros with the zero time', () => {
  const w = toStatsWire({ id: 'a', name: 'x', image: 'bb', read: 'now', running: false, sample: undefined, networks: [] }, undefined) as { read: string; memory_stats: object; networks?: object };
  assert.equal(w.read, '0001-01-01T00:00:00Z');
  assert.deepEqual(w.memory_stats, {});
  assert.equal(w.networks, undefined);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toStatsWire } from './container-stats';

const sample = (cpu: number, sys: number) => ({
  id: 'abc', name: 'web', read: '2026-11-28T06:00:00.000Z', running: true,
  sample: { cpuTotalNs: cpu, cpuUserNs: cpu / 2, cpuSystemNs: cpu / 2, memoryUsage: 1000, memoryLimit: 4000, memoryStat: { cache: 10 }, pids: 3, systemCpuNs: sys, onlineCpus: 2 },
});

test('stats carry both readings so clients can compute CPU %', () => {
  const w = toStatsWire(sample(200, 2000), sample(100, 1000)) as { cpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage: number; online_cpus: number }; precpu_stats: { cpu_usage: { total_usage: number } }; memory_stats: { usage: number; limit: number }; pids_stats: { current: number }; name: string };
  assert.equal(w.cpu_stats.cpu_usage.total_usage, 200);
  assert.equal(w.precpu_stats.cpu_usage.total_usage, 100);
  assert.equal(w.cpu_stats.system_cpu_usage, 2000);
  assert.equal(w.cpu_stats.online_cpus, 2);
  assert.deepEqual([w.memory_stats.usage, w.memory_stats.limit], [1000, 4000]);
  assert.equal(w.pids_stats.current, 3);
  assert.equal(w.name, '/web');
});

test('a stopped container reads as zeros with the zero time', () => {
  const w = toStatsWire({ id: 'a', name: 'x', read: 'now', running: false, sample: undefined }, undefined) as { read: string; memory_stats: object };
  assert.equal(w.read, '0001-01-01T00:00:00Z');
  assert.deepEqual(w.memory_stats, {});
});

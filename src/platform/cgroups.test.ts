import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseBlkioV1, parseIoStatV2, readOomKills, sampleCgroup } from './cgroups';
import { parseNetDev } from './netdev';

// a cgroup v2 tree recorded as files: test/fixtures/cgroup-v2/berth/<id>
const V2_ROOT = path.resolve(__dirname, '../../../test/fixtures/cgroup-v2');
const SYS = { ns: 5e12, cpus: 4 };

test('cgroup v2: cpu, memory, pids, io and throttling from the unified files', async () => {
  const s = await sampleCgroup('/berth/c0ffee', 'v2', V2_ROOT, SYS);
  assert.equal(s.cgroupVersion, 2);
  assert.deepEqual([s.cpuTotalNs, s.cpuUserNs, s.cpuSystemNs], [1_523_481_000, 1_012_345_000, 511_136_000]);
  assert.deepEqual(s.throttling, { periods: 120, throttledPeriods: 7, throttledTimeNs: 35_000_000 });
  assert.equal(s.memoryUsage, 7_340_032);
  assert.equal(s.memoryLimit, 67_108_864);
  assert.equal(s.memoryUnlimited, false);
  assert.equal(s.memoryWorkingSet, 7_340_032 - 2_048_000);
  assert.equal(s.memoryStat.anon, 3_145_728);
  assert.equal(s.memoryFailcnt, 4);
  assert.deepEqual([s.pids, s.threads, s.pidsLimit], [2, 3, undefined]);
  assert.deepEqual(s.blkio.serviceBytes, [
    { major: 8, minor: 0, op: 'read', value: 1_048_576 },
    { major: 8, minor: 0, op: 'write', value: 4096 },
    { major: 253, minor: 1, op: 'read', value: 512 },
    { major: 253, minor: 1, op: 'write', value: 0 },
  ]);
  assert.deepEqual(s.blkio.serviced.filter((e) => e.major === 8), [{ major: 8, minor: 0, op: 'read', value: 12 }, { major: 8, minor: 0, op: 'write', value: 1 }]);
  assert.deepEqual([s.systemCpuNs, s.onlineCpus], [5e12, 4]);
});

test('cgroup v2: "max" reads as unlimited (the host memory, as Docker shows it); missing files as zero', async () => {
  const s = await sampleCgroup('/berth/unlimited', 'v2', V2_ROOT, SYS);
  assert.equal(s.memoryUnlimited, true);
  assert.equal(s.memoryLimit, os.totalmem());
  assert.equal(s.memoryWorkingSet, 1000);
  assert.equal(s.pidsLimit, 64);
  assert.deepEqual(s.throttling, { periods: 0, throttledPeriods: 0, throttledTimeNs: 0 });
  assert.deepEqual(s.blkio, { serviceBytes: [], serviced: [] });
});

test('cgroup v2: OOM kills from memory.events; a missing cgroup counts none', async () => {
  assert.equal(await readOomKills('/berth/c0ffee', 'v2', V2_ROOT), 1);
  assert.equal(await readOomKills('/berth/gone', 'v2', V2_ROOT), 0);
});

test('cgroup v1 blkio lines keep their device and op; the Total line is dropped', () => {
  assert.deepEqual(parseBlkioV1('8:0 Read 4096\n8:0 Write 0\n8:0 Total 4096\nTotal 4096\n'), [
    { major: 8, minor: 0, op: 'Read', value: 4096 },
    { major: 8, minor: 0, op: 'Write', value: 0 },
    { major: 8, minor: 0, op: 'Total', value: 4096 },
  ]);
  assert.deepEqual(parseIoStatV2(''), { serviceBytes: [], serviced: [] });
});

test('/proc/net/dev: counters per interface, loopback left out', () => {
  const text = [
    'Inter-|   Receive                                                |  Transmit',
    ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
    '    lo:     100       1    0    0    0     0          0         0      100       1    0    0    0     0       0          0',
    '  eth0:    1296      16    1    2    0     0          0         0      726       9    3    4    0     0       0          0',
  ].join('\n');
  assert.deepEqual(parseNetDev(text), [{ name: 'eth0', rxBytes: 1296, rxPackets: 16, rxErrors: 1, rxDropped: 2, txBytes: 726, txPackets: 9, txErrors: 3, txDropped: 4 }]);
});

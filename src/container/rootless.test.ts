import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rootlessCgroupsPath, validateRootlessLimits } from './rootless';

const none = { memory: 0, memorySwap: 0, memoryReservation: 0, nanoCpus: 0, cpuShares: 0, cpuQuota: 0, cpuPeriod: 0, cpusetCpus: '', cpusetMems: '', pidsLimit: 0 };
const v1 = { kind: 'none' as const, reason: 'this host has cgroup v1' };
const v2 = { kind: 'v2' as const, parent: '/user.slice/user-1000.slice/user@1000.service', controllers: ['memory', 'pids'] };

test('no limits: fine everywhere; -1 (unlimited) pids is no limit', () => {
  validateRootlessLimits(none, v1);
  validateRootlessLimits({ ...none, pidsLimit: -1, memorySwap: -1 }, v1);
});

test('cgroup v1: every limit refused, the flags named', () => {
  assert.throws(() => validateRootlessLimits({ ...none, memory: 64 << 20, nanoCpus: 1e9 }, v1), {
    message: 'invalid configuration, cannot specify resource limits (--memory, --cpus) in rootless mode without cgroups v2 and delegated controllers: this host has cgroup v1',
  });
});

test('cgroup v2: delegated controllers carry limits, the others are refused', () => {
  validateRootlessLimits({ ...none, memory: 64 << 20, pidsLimit: 10 }, v2);
  assert.throws(() => validateRootlessLimits({ ...none, cpuShares: 512, cpusetCpus: '0' }, v2), /cannot specify --cpu-shares, --cpuset-cpus in rootless mode: the cpu, cpuset controllers are not delegated/);
});

test('the container cgroup: under the delegated subtree, or none for runc to skip', () => {
  assert.equal(rootlessCgroupsPath(v2, 'abc'), '/user.slice/user-1000.slice/user@1000.service/berth-abc');
  assert.equal(rootlessCgroupsPath(v1, 'abc'), '');
});

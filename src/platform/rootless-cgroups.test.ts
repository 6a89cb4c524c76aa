import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decideDelegation, ownV2Cgroup, readCgroupFacts } from './rootless-cgroups';

const SYSTEMD_USER = '/user.slice/user-1000.slice/user@1000.service/app.slice/berth.scope';

test('cgroup v1: no limits, in words', () => {
  assert.deepEqual(decideDelegation({ version: 1, own: '/', controllers: [], writable: false }), { kind: 'none', reason: 'this host has cgroup v1' });
});

test('cgroup v2 delegated by systemd: the controllers runc uses, under the own cgroup', () => {
  const d = decideDelegation({ version: 2, own: SYSTEMD_USER, controllers: ['cpuset', 'cpu', 'io', 'memory', 'pids', 'hugetlb'], writable: true });
  assert.deepEqual(d, { kind: 'v2', parent: SYSTEMD_USER, controllers: ['cpu', 'cpuset', 'io', 'memory', 'pids'] });
});

test('cgroup v2 without delegation (a session scope owned by root), or with no controllers', () => {
  assert.deepEqual(decideDelegation({ version: 2, own: '/user.slice/user-1000.slice/session-3.scope', controllers: ['memory', 'pids'], writable: false }), {
    kind: 'none',
    reason: 'cgroup /user.slice/user-1000.slice/session-3.scope is not delegated to this user',
  });
  assert.equal(decideDelegation({ version: 2, own: SYSTEMD_USER, controllers: ['hugetlb'], writable: true }).kind, 'none');
});

test('/proc/self/cgroup: the unified line, on v2 and hybrid hosts', () => {
  assert.equal(ownV2Cgroup(`0::${SYSTEMD_USER}\n`), SYSTEMD_USER);
  assert.equal(ownV2Cgroup('12:pids:/user.slice\n1:name=systemd:/user.slice\n0::/user.slice/user-1000.slice\n'), '/user.slice/user-1000.slice');
  assert.equal(ownV2Cgroup('4:memory:/\n3:cpu,cpuacct:/\n'), undefined);
});

test('facts read from a cgroup tree fixture', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'cg-fixture-'));
  try {
    assert.equal((await readCgroupFacts(root)).version, 1, 'no cgroup.controllers at the root: v1');
    await fs.writeFile(path.join(root, 'cgroup.controllers'), 'cpu memory pids\n');
    const own = ownV2Cgroup(await fs.readFile('/proc/self/cgroup', 'utf8')) ?? '/';
    const dir = path.join(root, own);
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, 'cgroup.controllers'), 'memory pids\n');
    await fs.writeFile(path.join(dir, 'cgroup.procs'), '');
    await fs.writeFile(path.join(dir, 'cgroup.subtree_control'), '');
    const f = await readCgroupFacts(root);
    assert.deepEqual(f, { version: 2, own, controllers: ['memory', 'pids'], writable: true });
    assert.deepEqual(decideDelegation(f), { kind: 'v2', parent: own, controllers: ['memory', 'pids'] });
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});

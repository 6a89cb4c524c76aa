import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ContainerStore } from './container-store';
import type { ContainerRecord } from '../container/types';
import { defaultContainerSpec } from '../container/spec';

function rec(id: string, name: string): ContainerRecord {
  return {
    id, name, created: new Date().toISOString(), spec: defaultContainerSpec('bb'), imageId: 'sha256:x', path: 'true', args: [], env: [],
    workingDir: '/', user: '', hostname: id.slice(0, 12),
    state: { status: 'created', pid: 0, exitCode: 0, error: '', startedAt: '', finishedAt: '', oomKilled: false, restartCount: 0, stoppedByUser: false },
    rootfs: '', logPath: '', networks: {}, ports: {}, resolvConfPath: '', hostnamePath: '', hostsPath: '',
  };
}

async function withStore(fn: (s: ContainerStore, dir: string) => Promise<void>): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cstore-'));
  try {
    await fn(await ContainerStore.open(dir), dir);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

const A = 'a'.repeat(64);
const AB = 'ab' + 'c'.repeat(62);

test('resolves by full id, name, and unique prefix; ambiguous prefixes are refused', () =>
  withStore(async (s) => {
    for (const r of [rec(A, 'first'), rec(AB, 'second')]) {
      await fs.mkdir(s.containerDir(r.id), { recursive: true });
      await s.add(r);
    }
    assert.equal(s.resolve(A).name, 'first');
    assert.equal(s.resolve('/second').id, AB);
    assert.equal(s.resolve('abc').id, AB);
    assert.throws(() => s.resolve('a'), /multiple IDs found with provided prefix: a/);
    assert.throws(() => s.resolve('nope'), /No such container: nope/);
  }));

test('a taken name is a conflict in Docker wording', () =>
  withStore(async (s) => {
    await fs.mkdir(s.containerDir(A), { recursive: true });
    await s.add(rec(A, 'web'));
    assert.throws(() => s.reserveName('web', AB), /The container name "\/web" is already in use by container/);
  }));

test('a name reserved by a create in progress is taken before its record exists (random names avoid it)', () =>
  withStore(async (s) => {
    assert.equal(s.nameTaken('busy_bohr'), false);
    s.reserveName('busy_bohr', A);
    assert.throws(() => s.resolve('busy_bohr'), /No such container/); // no record yet
    assert.equal(s.nameTaken('busy_bohr'), true);
    s.releaseName('busy_bohr', A);
    assert.equal(s.nameTaken('busy_bohr'), false);
  }));

test('records survive a reopen; half-created directories are dropped', () =>
  withStore(async (s, dir) => {
    await fs.mkdir(s.containerDir(A), { recursive: true });
    await s.add(rec(A, 'keep'));
    await fs.mkdir(path.join(dir, 'containers', AB), { recursive: true }); // a create that crashed before its record
    await fs.writeFile(path.join(dir, 'containers', A, 'config.json.tmp-deadbeef'), '{');
    const again = await ContainerStore.open(dir);
    assert.equal(again.resolve('keep').id, A);
    assert.equal(again.all().length, 1);
    await assert.rejects(fs.stat(path.join(dir, 'containers', AB)));
    await assert.rejects(fs.stat(path.join(dir, 'containers', A, 'config.json.tmp-deadbeef')));
  }));

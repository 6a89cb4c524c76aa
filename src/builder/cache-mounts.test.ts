import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CacheMounts } from './cache-mounts';
import type { CacheMount } from './dockerfile/run-mounts';

const mount = (sharing: CacheMount['sharing'], id = 'x'): CacheMount => ({ type: 'cache', target: '/c', id, sharing, readOnly: false, mode: 0o750, uid: 0, gid: 0 });

describe('CacheMounts', () => {
  it('shared: one directory for all; made once with its mode; kept for the next user', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'cm-'));
    try {
      const cm = new CacheMounts(root);
      const a = await cm.acquire(mount('shared'));
      const b = await cm.acquire(mount('shared'));
      assert.equal(a.dir, b.dir);
      assert.deepEqual([a.created, b.created], [true, false]);
      assert.equal((await fs.stat(a.dir)).mode & 0o7777, 0o750);
      await fs.writeFile(path.join(a.dir, 'f'), 'x');
      a.release();
      b.release();
      const c = await cm.acquire(mount('shared'));
      assert.deepEqual(await fs.readdir(c.dir), ['f']);
      c.release();
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });

  it('private: a busy directory sends the next user to another; locked: the next user waits', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'cm-'));
    try {
      const cm = new CacheMounts(root);
      const p1 = await cm.acquire(mount('private'));
      const p2 = await cm.acquire(mount('private'));
      assert.notEqual(p1.dir, p2.dir);
      p1.release();
      p2.release();
      const l1 = await cm.acquire(mount('locked', 'y'));
      let waited = false;
      const waiting = cm.acquire(mount('locked', 'y')).then((l) => {
        waited = true;
        return l;
      });
      await new Promise((r) => setImmediate(r));
      assert.equal(waited, false);
      l1.release();
      const second = await waiting;
      assert.equal(second.dir, l1.dir);
      second.release();
      assert.ok((await cm.prune()) >= 0);
      assert.deepEqual(await fs.readdir(root), []);
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileBuildCache } from './cache';

describe('builder/cache (the build cache index)', () => {
  it('takes entries at once and writes them behind: flush() has them all in the file, a new daemon reads them', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'berth-cache-'));
    try {
      const cache = new FileBuildCache(root);
      for (let i = 0; i < 20; i++) await cache.set(`k${i}`, `sha256:${i}`);
      assert.equal(await cache.get('k19'), 'sha256:19'); // before any write ended
      await cache.flush();
      const onDisk = JSON.parse(await readFile(path.join(root, 'builder', 'cache.json'), 'utf8')) as Record<string, string>;
      assert.equal(Object.keys(onDisk).length, 20);
      assert.equal(await new FileBuildCache(root).get('k7'), 'sha256:7');
      assert.equal(await cache.clear(), 20);
      assert.equal(await new FileBuildCache(root).get('k7'), undefined);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('a write that fails is reported by flush()', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'berth-cache-'));
    try {
      // a data root that is a file: the index's folder cannot be made
      await writeFile(path.join(root, 'file'), '');
      const cache = new FileBuildCache(path.join(root, 'file'));
      await cache.set('k', 'sha256:1');
      await assert.rejects(cache.flush(), /ENOTDIR|EEXIST/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

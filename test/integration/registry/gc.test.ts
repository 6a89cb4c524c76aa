/** Garbage collection: unreferenced blobs go, referenced and recent ones stay. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectGarbage } from '../../../src/registry/gc.js';
import { pushBlob, pushImage } from './kit/push.js';
import { request, startTestRegistry } from './kit/registry-fixture.js';

test('gc removes blobs of a deleted manifest and keeps those of live manifests', async (t) => {
  const reg = await startTestRegistry(t);
  const keep = await pushImage(reg.url, 'app', 'keep', { layer: 'kept layer' });
  const drop = await pushImage(reg.url, 'app', 'drop', { layer: 'dropped layer' });
  assert.equal((await request(reg.url, { method: 'DELETE', path: `/v2/app/manifests/${drop.digest}` })).status, 202);

  const res = await collectGarbage(reg.registry, { gracePeriodMs: 0 });
  assert.deepEqual(res.deletedBlobs.sort(), [drop.digest, drop.layer].sort());
  assert.equal((await request(reg.url, { path: `/v2/app/blobs/${drop.layer}` })).status, 404);
  for (const d of [keep.layer, keep.config]) assert.equal((await request(reg.url, { method: 'HEAD', path: `/v2/app/blobs/${d}` })).status, 200);
  assert.equal((await request(reg.url, { path: '/v2/app/manifests/keep' })).status, 200);
});

test('gc spares recently written blobs within the grace period (uploads racing a GC)', async (t) => {
  const reg = await startTestRegistry(t);
  const orphan = await pushBlob(reg.url, 'app', 'just uploaded, manifest not pushed yet');
  const res = await collectGarbage(reg.registry);
  assert.deepEqual(res.deletedBlobs, []);
  assert.equal((await request(reg.url, { method: 'HEAD', path: `/v2/app/blobs/${orphan}` })).status, 200);
  // Later, with the grace period over, the unreferenced link and blob go.
  const later = await collectGarbage(reg.registry, { now: () => Date.now() + 2 * 60 * 60 * 1000 });
  assert.deepEqual(later.deletedBlobs, [orphan]);
  assert.equal(later.deletedLinks, 1);
});

test('gc dry run deletes nothing', async (t) => {
  const reg = await startTestRegistry(t);
  const orphan = await pushBlob(reg.url, 'app', 'orphan');
  const res = await collectGarbage(reg.registry, { gracePeriodMs: 0, dryRun: true });
  assert.deepEqual(res.deletedBlobs, [orphan]);
  assert.equal((await request(reg.url, { method: 'HEAD', path: `/v2/app/blobs/${orphan}` })).status, 200);
});

/**
 * Manifests whose blobs were never pushed: refused with MANIFEST_BLOB_UNKNOWN by
 * default, accepted with `allowMissingBlobs` (`berth registry
 * --validation-allow-missing-blobs`), for mirrors that copy part of an image.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MediaTypes } from '../../../src/protocol/oci/image.js';
import { collectGarbage } from '../../../src/registry/gc.js';
import { sha256 } from './kit/oci-layout.js';
import { errorCode, pushBlob, pushImage } from './kit/push.js';
import { request, startTestRegistry } from './kit/registry-fixture.js';

const BERTH = path.resolve(__dirname, '../../../../bin/berth');

const CONFIG = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } });

/** An image manifest with a pushed config (when `config` is given) and a layer nobody pushed. */
function imageManifest(layer: string, config = sha256(CONFIG)): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config: { mediaType: MediaTypes.ociConfig, digest: config, size: CONFIG.length },
      layers: [{ mediaType: MediaTypes.ociLayerGzip, digest: sha256(layer), size: layer.length }],
    }),
  );
}

function putManifest(url: string, repo: string, ref: string, body: Buffer, type: string = MediaTypes.ociManifest) {
  return request(url, { method: 'PUT', path: `/v2/${repo}/manifests/${ref}`, body, headers: { 'Content-Type': type } });
}

test('by default a manifest or index referencing content the repository lacks is MANIFEST_BLOB_UNKNOWN', async (t) => {
  const reg = await startTestRegistry(t);
  await pushBlob(reg.url, 'app', CONFIG);
  const r = await putManifest(reg.url, 'app', 'v1', imageManifest('never pushed'));
  assert.deepEqual([r.status, errorCode(r)], [400, 'MANIFEST_BLOB_UNKNOWN']);
  assert.deepEqual(r.json<{ errors: { detail: unknown }[] }>().errors[0]!.detail, { digests: [sha256('never pushed')] });
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [{ mediaType: MediaTypes.ociManifest, digest: sha256('child'), size: 5 }] }));
  const i = await putManifest(reg.url, 'app', 'multi', index, MediaTypes.ociIndex);
  assert.deepEqual([i.status, errorCode(i)], [400, 'MANIFEST_BLOB_UNKNOWN']);
  assert.deepEqual((await request(reg.url, { path: '/v2/app/tags/list' })).json(), { name: 'app', tags: [] });
});

test('allowMissingBlobs accepts them: the manifest is served, its blobs appear once pushed, GC keeps what it references', async (t) => {
  const reg = await startTestRegistry(t, { allowMissingBlobs: true });
  const body = imageManifest('later layer', sha256('later config'));
  const r = await putManifest(reg.url, 'mirror/app', 'v1', body);
  assert.equal(r.status, 201, r.body.toString());
  const got = await request(reg.url, { path: '/v2/mirror/app/manifests/v1' });
  assert.deepEqual([got.status, got.body], [200, body]);
  assert.equal((await request(reg.url, { method: 'HEAD', path: `/v2/mirror/app/blobs/${sha256('later layer')}` })).status, 404);
  // An index whose children are partly here (a mirror of one platform).
  const present = await pushImage(reg.url, 'mirror/app', 'amd64');
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociIndex,
      manifests: [
        { mediaType: MediaTypes.ociManifest, digest: present.digest, size: present.body.length, platform: { architecture: 'amd64', os: 'linux' } },
        { mediaType: MediaTypes.ociManifest, digest: sha256('arm64 manifest'), size: 14, platform: { architecture: 'arm64', os: 'linux' } },
      ],
    }),
  );
  assert.equal((await putManifest(reg.url, 'mirror/app', 'multi', index, MediaTypes.ociIndex)).status, 201);
  assert.equal((await request(reg.url, { path: `/v2/mirror/app/manifests/${sha256('arm64 manifest')}` })).status, 404);
  // The missing blob arrives later and is served.
  await pushBlob(reg.url, 'mirror/app', 'later layer');
  assert.equal((await request(reg.url, { path: `/v2/mirror/app/blobs/${sha256('later layer')}` })).body.toString(), 'later layer');
  // GC copes with references to absent blobs and keeps the referenced ones.
  const gc = await collectGarbage(reg.registry, { gracePeriodMs: 0 });
  assert.deepEqual(gc.deletedBlobs, []);
  for (const ref of ['v1', 'multi', 'amd64']) assert.equal((await request(reg.url, { path: `/v2/mirror/app/manifests/${ref}` })).status, 200, ref);
  assert.equal((await request(reg.url, { path: `/v2/mirror/app/blobs/${present.layer}` })).status, 200);
});

/** Runs `berth registry` on a free port until the test ends; resolves with its URL once it listens. */
async function berthRegistry(t: import('node:test').TestContext, flags: string[]): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-cli-registry-'));
  const child = spawn(BERTH, ['registry', '--addr', '127.0.0.1:0', '--data', path.join(dir, 'data'), ...flags], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // One hook: the process is gone before its data directory is removed.
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const code = await exited;
    await fs.rm(dir, { recursive: true, force: true });
    assert.equal(code, 0, 'berth registry stops cleanly on SIGTERM');
  });
  let stderr = '';
  return new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(stderr);
      if (m) resolve(m[1]!);
    });
    void exited.then((code) => reject(new Error(`berth registry exited (${code}) before listening: ${stderr}`)));
  });
}

test('berth registry --validation-allow-missing-blobs takes such a manifest; without the flag it is refused', async (t) => {
  const [strict, lenient] = await Promise.all([berthRegistry(t, []), berthRegistry(t, ['--validation-allow-missing-blobs'])]);
  const body = imageManifest('never pushed', sha256('no config either'));
  const refused = await putManifest(strict, 'app', 'v1', body);
  assert.deepEqual([refused.status, errorCode(refused)], [400, 'MANIFEST_BLOB_UNKNOWN']);
  const accepted = await putManifest(lenient, 'app', 'v1', body);
  assert.equal(accepted.status, 201, accepted.body.toString());
  assert.equal(accepted.headers['docker-content-digest'], sha256(body));
});

/**
 * `docker pull` through a berthd that is killed (SIGKILL) in the middle of
 * the pull: one layer committed with its blob, the next one half downloaded
 * and staging. The restarted daemon's boot repair must leave no trace of it.
 * The registry is a few lines here, on 127.0.0.1, so that it can stall the
 * second layer for as long as the test needs.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { sha256Digest } from '../../../src/image/distribution/registry-client';
import { MediaTypes } from '../../../src/protocol/oci/image';
import { cli, DOCKER, startDaemon } from '../../kit/daemon';
import { storeLeftovers, tarOf } from '../../integration/distribution/kit';

async function waitFor(what: string, ok: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('a daemon killed in the middle of a pull comes back without a layer, blob or temp file of it', async (t) => {
  const small = gzipSync(await tarOf([{ name: 'etc/hello', body: 'hello\n' }]));
  const bigTar = await tarOf([{ name: 'big', body: randomBytes(4 << 20) }]);
  const big = gzipSync(bigTar, { level: 1 });
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256Digest(await tarOf([{ name: 'etc/hello', body: 'hello\n' }])), sha256Digest(bigTar)] } }));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    config: { mediaType: MediaTypes.ociConfig, digest: sha256Digest(config), size: config.length },
    layers: [small, big].map((b) => ({ mediaType: MediaTypes.ociLayerGzip, digest: sha256Digest(b), size: b.length })),
  }));
  let stalled = false;
  const server = http.createServer((req, res) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    if (p === '/v2/') return void res.writeHead(200).end('{}');
    if (p === '/v2/k/img/manifests/v1') return void res.writeHead(200, { 'Content-Type': MediaTypes.ociManifest }).end(manifest);
    const blob = [config, small, big].find((b) => p === `/v2/k/img/blobs/${sha256Digest(b)}`);
    if (!blob) return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Length': blob.length });
    if (blob !== big) return void res.end(blob);
    // half of the big layer, then nothing until the test ends
    res.write(blob.subarray(0, blob.length >> 1), () => (stalled = true));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;

  const d = await startDaemon('pullkill');
  t.after(() => d.close());
  const pull = cli(DOCKER, d, ['pull', `${host}/k/img:v1`]);
  const layers = path.join(d.dataRoot, 'layers');
  // the small layer committed (its dir and its blob are there), the big one staging
  await waitFor('the first layer to commit while the second stalls', async () => {
    const s = await storeLeftovers(d.dataRoot);
    return stalled && s.layerDirs.length === 1 && s.blobs.length === 1 && s.layerTmp.length === 1 && s.imageTmp.length === 1;
  });
  await d.kill9();
  const r = await pull;
  assert.notEqual(r.code, 0, 'the pull fails with its daemon');
  await d.restart();
  assert.deepEqual(await storeLeftovers(d.dataRoot), { imageTmp: [], blobs: [], layerDirs: [], layerTmp: [] });
  assert.deepEqual(await fs.readdir(layers), ['tmp']);
  const images = await cli(DOCKER, d, ['images', '-q']);
  assert.equal(images.stdout.trim(), '');
});

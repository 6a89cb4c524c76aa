/**
 * A tiny hand-written registry on 127.0.0.1 for what a real one will not do:
 * serve a layer whose bytes do not match its digest, demand Bearer tokens
 * from a token endpoint, and answer with a manifest list.
 */
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { gzipSync } from 'node:zlib';
import { parseReference } from '../../../src/image/reference';
import { pullImage } from '../../../src/image/distribution/pull';
import { RegistryClient, sha256Digest } from '../../../src/image/distribution/registry-client';
import { MediaTypes } from '../../../src/protocol/oci/image';
import { listFiles, openStore } from './kit';
import * as path from 'node:path';

/** A one-file layer tar (header + 512-byte data block + end-of-archive). */
function tinyTar(): Buffer {
  const h = Buffer.alloc(512);
  h.write('hello.txt', 0);
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write('00000000005\0', 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write('0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const data = Buffer.alloc(512);
  data.write('hello');
  return Buffer.concat([h, data, Buffer.alloc(1024)]);
}

interface Fixture {
  url: string;
  host: string;
  manifestDigest: string;
  indexDigest: string;
  tokenRequests: URL[];
}

async function fakeRegistry(t: TestContext, opts: { corruptLayer?: boolean; bearer?: boolean }): Promise<Fixture> {
  const tar = tinyTar();
  const layer = gzipSync(tar);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256Digest(tar)] } }));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.dockerManifest,
      config: { mediaType: MediaTypes.dockerConfig, digest: sha256Digest(config), size: config.length },
      layers: [{ mediaType: MediaTypes.dockerLayer, digest: sha256Digest(layer), size: layer.length }],
    }),
  );
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.dockerManifestList,
      manifests: [
        { mediaType: MediaTypes.dockerManifest, digest: sha256Digest(Buffer.from('other')), size: 5, platform: { os: 'linux', architecture: 'arm64' } },
        { mediaType: MediaTypes.dockerManifest, digest: sha256Digest(manifest), size: manifest.length, platform: { os: 'linux', architecture: 'amd64' } },
      ],
    }),
  );
  const badLayer = Buffer.from(layer);
  badLayer[badLayer.length - 10]! ^= 0xff;
  const blobs = new Map([
    [sha256Digest(config), config],
    [sha256Digest(layer), opts.corruptLayer ? badLayer : layer],
  ]);
  const manifests = new Map<string, [Buffer, string]>([
    ['latest', [index, MediaTypes.dockerManifestList]],
    [sha256Digest(index), [index, MediaTypes.dockerManifestList]],
    [sha256Digest(manifest), [manifest, MediaTypes.dockerManifest]],
  ]);
  const tokenRequests: URL[] = [];
  let base = '';
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', base);
    if (u.pathname === '/token') {
      tokenRequests.push(u);
      if (req.headers.authorization !== `Basic ${Buffer.from('u:p').toString('base64')}`) {
        res.writeHead(401, { 'Content-Type': 'application/json' }).end(JSON.stringify({ details: 'incorrect username or password' }));
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ access_token: 'tok-1', expires_in: 300 }));
      return;
    }
    if (opts.bearer && req.headers.authorization !== 'Bearer tok-1') {
      res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="${base}/token",service="fake",scope="repository:x/y:pull"`, 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
      return;
    }
    if (u.pathname === '/v2/') return void res.writeHead(200).end('{}');
    let m = /^\/v2\/x\/y\/manifests\/(.+)$/.exec(u.pathname);
    if (m) {
      const hit = manifests.get(m[1]!);
      if (!hit) return void res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }));
      return void res.writeHead(200, { 'Content-Type': hit[1], 'Docker-Content-Digest': sha256Digest(hit[0]) }).end(hit[0]);
    }
    m = /^\/v2\/x\/y\/blobs\/(.+)$/.exec(u.pathname);
    const blob = m ? blobs.get(m[1]!) : undefined;
    if (blob) return void res.writeHead(200, { 'Content-Length': blob.length }).end(blob);
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); }));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  base = `http://${host}`;
  return { url: base, host, manifestDigest: sha256Digest(manifest), indexDigest: sha256Digest(index), tokenRequests };
}

test('a manifest list resolves to linux/amd64; the repo digest is the list\'s', async (t) => {
  const f = await fakeRegistry(t, {});
  const s = await openStore(t);
  const r = await pullImage(s.pullDeps, parseReference(`${f.host}/x/y`), { onProgress: () => undefined, platform: { os: 'linux', architecture: 'amd64' } });
  assert.equal(r.digest, f.indexDigest);
  assert.deepEqual((await s.images.resolve(`${f.host}/x/y`)).repoDigests, [`${f.host}/x/y@${f.indexDigest}`]);
  await assert.rejects(pullImage(s.pullDeps, parseReference(`${f.host}/x/y`), { onProgress: () => undefined, platform: { os: 'linux', architecture: 's390x' } }), {
    message: 'no matching manifest for linux/s390x in the manifest list entries',
  });
});

test('a layer whose bytes do not match its digest fails the pull and leaves nothing behind', async (t) => {
  const f = await fakeRegistry(t, { corruptLayer: true });
  const s = await openStore(t);
  await assert.rejects(pullImage(s.pullDeps, parseReference(`${f.host}/x/y`), { onProgress: () => undefined }), {
    message: /^filesystem layer verification failed for digest sha256:/,
  });
  assert.equal(s.ctx.store.all().length, 0);
  assert.equal(s.ctx.layers.all().length, 0);
  assert.deepEqual(await listFiles(path.join(s.root, 'image', 'tmp')), []);
  assert.deepEqual(await listFiles(path.join(s.root, 'image', 'blobs')), []);
  assert.deepEqual(await listFiles(path.join(s.root, 'layers', 'tmp')), []);
});

test('a pull by digest refuses a manifest whose bytes do not hash to it', async (t) => {
  const f = await fakeRegistry(t, {});
  const s = await openStore(t);
  const wrong = sha256Digest(Buffer.from('not the manifest'));
  await assert.rejects(pullImage(s.pullDeps, parseReference(`${f.host}/x/y@${wrong}`), { onProgress: () => undefined }), /not found|verification failed/);
});

test('bearer challenge: token fetched with basic credentials and scope, cached across requests', async (t) => {
  const f = await fakeRegistry(t, { bearer: true });
  const s = await openStore(t, new RegistryClient());
  const r = await pullImage(s.pullDeps, parseReference(`${f.host}/x/y@${f.manifestDigest}`), { auth: { username: 'u', password: 'p' }, onProgress: () => undefined });
  assert.equal(r.digest, f.manifestDigest);
  assert.equal(f.tokenRequests.length, 1);
  assert.equal(f.tokenRequests[0]!.searchParams.get('service'), 'fake');
  assert.equal(f.tokenRequests[0]!.searchParams.get('scope'), 'repository:x/y:pull');
  const other = await openStore(t);
  await assert.rejects(pullImage(other.pullDeps, parseReference(`${f.host}/x/y`), { auth: { username: 'u', password: 'bad' }, onProgress: () => undefined }), {
    message: /^pull access denied for 127\.0\.0\.1:\d+\/x\/y, repository does not exist or may require 'docker login'/,
  });
});

test('an aborted pull rejects and leaves nothing behind', async (t) => {
  const f = await fakeRegistry(t, {});
  const s = await openStore(t);
  const ac = new AbortController();
  const p = pullImage(s.pullDeps, parseReference(`${f.host}/x/y`), {
    signal: ac.signal,
    onProgress: (e) => {
      if (e.type === 'layer' && e.status === 'Pulling fs layer') ac.abort(new Error('stopped'));
    },
  });
  await assert.rejects(p);
  assert.equal(s.ctx.store.all().length, 0);
  assert.equal(s.ctx.layers.all().length, 0);
});

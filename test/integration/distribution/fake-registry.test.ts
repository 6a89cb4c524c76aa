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
import { promises as fs } from 'node:fs';
import * as tarStream from 'tar-stream';

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

async function fakeRegistry(t: TestContext, opts: { corruptLayer?: boolean; bearer?: boolean; wrongDiffId?: boolean; cutBlob?: boolean }): Promise<Fixture> {
  const tar = tinyTar();
  const layer = gzipSync(tar);
  const diffId = opts.wrongDiffId ? sha256Digest(Buffer.from('some other tar')) : sha256Digest(tar);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [diffId] } }));
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
    if (blob && opts.cutBlob && blob === layer) {
      // the connection drops half way through the layer, as when a registry dies mid-download
      res.writeHead(200, { 'Content-Length': blob.length });
      res.write(blob.subarray(0, blob.length >> 1), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
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

test("a layer whose diff id does not match the image config is refused and leaves nothing behind", async (t) => {
  const f = await fakeRegistry(t, { wrongDiffId: true });
  const s = await openStore(t);
  await assert.rejects(pullImage(s.pullDeps, parseReference(`${f.host}/x/y`), { onProgress: () => undefined }), { message: /diff id sha256:\w+ does not match the image config's/ });
  assert.equal(s.ctx.store.all().length, 0);
  assert.equal(s.ctx.layers.all().length, 0);
  assert.deepEqual(await listFiles(path.join(s.root, 'image', 'tmp')), []);
  assert.deepEqual(await listFiles(path.join(s.root, 'image', 'blobs')), []);
  assert.deepEqual(await listFiles(path.join(s.root, 'layers', 'tmp')), []);
});

test('a download cut half way fails the pull and leaves nothing behind', async (t) => {
  const f = await fakeRegistry(t, { cutBlob: true });
  const s = await openStore(t);
  await assert.rejects(pullImage(s.pullDeps, parseReference(`${f.host}/x/y`), { onProgress: () => undefined }));
  assert.equal(s.ctx.store.all().length, 0);
  assert.equal(s.ctx.layers.all().length, 0);
  assert.deepEqual(await listFiles(path.join(s.root, 'image', 'tmp')), []);
  assert.deepEqual(await listFiles(path.join(s.root, 'image', 'blobs')), []);
  assert.deepEqual(await listFiles(path.join(s.root, 'layers', 'tmp')), []);
});

/** Serves one OCI image made of the given uncompressed layer tars at /v2/m/n/manifests/latest. */
async function layeredRegistry(t: TestContext, tars: Buffer[]): Promise<string> {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: tars.map((x) => sha256Digest(x)) } }));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    config: { mediaType: MediaTypes.ociConfig, digest: sha256Digest(config), size: config.length },
    layers: tars.map((x) => ({ mediaType: MediaTypes.ociLayer, digest: sha256Digest(x), size: x.length })),
  }));
  const blobs = new Map([config, ...tars].map((b) => [sha256Digest(b), b]));
  const server = http.createServer((req, res) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    if (p === '/v2/') return void res.writeHead(200).end('{}');
    if (p === '/v2/m/n/manifests/latest') return void res.writeHead(200, { 'Content-Type': MediaTypes.ociManifest }).end(manifest);
    const blob = blobs.get(p.replace('/v2/m/n/blobs/', ''));
    if (blob) return void res.writeHead(200, { 'Content-Length': blob.length }).end(blob);
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); }));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function packTar(entries: Array<{ name: string; type?: 'file' | 'link'; linkname?: string; body?: string }>): Promise<Buffer> {
  const p = tarStream.pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((r) => p.on('end', r));
  for (const e of entries) p.entry({ name: e.name, type: e.type ?? 'file', mode: 0o644, mtime: new Date(0), ...(e.linkname ? { linkname: e.linkname } : {}) }, e.body ?? '');
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

test('uncompressed layers unpack side by side; a hard link to a file of the layer below resolves once that layer is committed', async (t) => {
  const base = await packTar([{ name: 'a/data', body: 'from the base layer\n' }]);
  const top = await packTar([{ name: 'b/own', body: 'top\n' }, { name: 'b/link', type: 'link', linkname: 'a/data' }]);
  const host = await layeredRegistry(t, [base, top]);
  const s = await openStore(t);
  const r = await pullImage(s.pullDeps, parseReference(`${host}/m/n`), { onProgress: () => undefined });
  const img = s.ctx.store.get(r.id)!;
  assert.equal(img.chainIds.length, 2);
  const topDir = s.ctx.layers.diffDir(img.chainIds[1]!);
  assert.equal(await fs.readFile(path.join(topDir, 'b/link'), 'utf8'), 'from the base layer\n');
  assert.equal((await fs.stat(path.join(topDir, 'b/link'))).nlink, 2, 'linked to the lower layer, not copied');
  // the kept blob of an uncompressed layer is the downloaded tar itself
  assert.deepEqual(await fs.readFile(path.join(s.root, 'image', 'blobs', 'sha256', sha256Digest(top).slice(7))), top);
  assert.deepEqual(await listFiles(path.join(s.root, 'layers', 'tmp')), []);
});

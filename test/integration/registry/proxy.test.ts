/**
 * The Berth registry as a pull-through cache: upstreams are Debian's reference
 * registry (open and with htpasswd) and a Berth registry with bearer tokens;
 * clients are skopeo and raw HTTP.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { MediaTypes } from '../../../src/protocol/oci/image.js';
import { makeBusyboxOciLayout, readLayoutManifest, sha256 } from './kit/oci-layout.js';
import { errorCode, pushBlob, pushImage } from './kit/push.js';
import { referenceRegistrySkip, startReferenceRegistry } from './kit/reference-registry.js';
import { listFiles, makeTempDir, request, skopeo, startTestRegistry } from './kit/registry-fixture.js';
import { makeSigningKey } from './kit/token-kit.js';

const skip = referenceRegistrySkip();

/**
 * Pushes config + one layer + manifest the way every registry takes it (POST for a
 * session, PUT with the bytes): the reference registry has no single-POST upload.
 */
async function uploadImage(url: string, repo: string, tag: string, layerText: string): Promise<{ digest: string; body: Buffer; layer: string }> {
  const put = async (data: Buffer): Promise<string> => {
    const start = await request(url, { method: 'POST', path: `/v2/${repo}/blobs/uploads/` });
    assert.equal(start.status, 202, start.body.toString());
    const loc = new URL(String(start.headers.location), url);
    loc.searchParams.set('digest', sha256(data));
    const done = await request(url, { method: 'PUT', path: loc.pathname + loc.search, body: data, headers: { 'Content-Type': 'application/octet-stream' } });
    assert.equal(done.status, 201, done.body.toString());
    return sha256(data);
  };
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
  const layerData = Buffer.from(layerText);
  const body = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config: { mediaType: MediaTypes.ociConfig, digest: await put(config), size: config.length },
      layers: [{ mediaType: MediaTypes.ociLayerGzip, digest: await put(layerData), size: layerData.length }],
    }),
  );
  const r = await request(url, { method: 'PUT', path: `/v2/${repo}/manifests/${tag}`, body, headers: { 'Content-Type': MediaTypes.ociManifest } });
  assert.equal(r.status, 201, r.body.toString());
  return { digest: sha256(body), body, layer: sha256(layerData) };
}

async function blobFiles(data: string): Promise<string[]> {
  return (await listFiles(path.join(data, 'blobs'))).map((f) => path.basename(f));
}

test('skopeo pulls through the proxy with identical digests; with the upstream stopped the cache still serves it', { skip }, async (t) => {
  const tmp = await makeTempDir(t, 'proxy');
  const img = await makeBusyboxOciLayout(path.join(tmp, 'src'));
  const upstream = await startReferenceRegistry(t);
  await skopeo(['copy', '--dest-tls-verify=false', `oci:${img.dir}:latest`, `docker://${upstream.host}/team/bb:1`]);
  const proxy = await startTestRegistry(t, { proxy: { url: upstream.url } });
  assert.deepEqual(await blobFiles(proxy.data), [], 'nothing cached before the first pull');

  const first = path.join(tmp, 'first');
  await skopeo(['copy', '--src-tls-verify=false', `docker://${proxy.host}/team/bb:1`, `oci:${first}:x`]);
  const got = await readLayoutManifest(first, 'x');
  assert.equal(got.digest, img.manifestDigest);
  assert.deepEqual(got.manifest.layers.map((l) => l.digest), [img.layerDigest]);
  const layer = await fs.readFile(path.join(first, 'blobs', 'sha256', img.layerDigest.slice(7)));
  assert.equal(sha256(layer), img.layerDigest);
  const cached = await blobFiles(proxy.data);
  for (const d of [img.manifestDigest, img.configDigest, img.layerDigest]) assert.ok(cached.includes(d.slice(7)), `${d} cached`);

  await upstream.stop();
  const second = path.join(tmp, 'second');
  await skopeo(['copy', '--src-tls-verify=false', `docker://${proxy.host}/team/bb:1`, `oci:${second}:x`]);
  assert.equal((await readLayoutManifest(second, 'x')).digest, img.manifestDigest);
  const byDigest = path.join(tmp, 'by-digest');
  await skopeo(['copy', '--src-tls-verify=false', `docker://${proxy.host}/team/bb@${img.manifestDigest}`, `oci:${byDigest}:x`]);
  assert.equal((await readLayoutManifest(byDigest, 'x')).digest, img.manifestDigest);
  // what was never cached cannot be served without the upstream: 503, not a false 404
  const missing = await request(proxy.url, { path: '/v2/team/bb/manifests/2' });
  assert.equal(missing.status, 503);
  assert.equal(errorCode(missing), 'UNAVAILABLE');
  const missingBlob = await request(proxy.url, { path: `/v2/team/bb/blobs/${sha256('never pushed')}` });
  assert.equal(missingBlob.status, 503);
});

test('a tag moved upstream is served at its new digest (freshness check), and unknown names are 404', { skip }, async (t) => {
  const upstream = await startReferenceRegistry(t);
  const proxy = await startTestRegistry(t, { proxy: { url: upstream.url } });
  const a = await uploadImage(upstream.url, 'app', 'latest', 'first layer');
  const r1 = await request(proxy.url, { path: '/v2/app/manifests/latest', headers: { Accept: MediaTypes.ociManifest } });
  assert.equal(r1.status, 200);
  assert.equal(r1.headers['docker-content-digest'], a.digest);
  assert.deepEqual(r1.body, a.body);
  const b = await uploadImage(upstream.url, 'app', 'latest', 'second layer');
  assert.notEqual(a.digest, b.digest);
  const r2 = await request(proxy.url, { method: 'HEAD', path: '/v2/app/manifests/latest', headers: { Accept: MediaTypes.ociManifest } });
  assert.equal(r2.status, 200);
  assert.equal(r2.headers['docker-content-digest'], b.digest);
  const r3 = await request(proxy.url, { path: `/v2/app/blobs/${b.layer}` });
  assert.equal(r3.status, 200);
  assert.equal(r3.body.toString(), 'second layer');
  assert.equal(errorCode(await request(proxy.url, { path: '/v2/app/manifests/nope' })), 'MANIFEST_UNKNOWN');
  const invalid = await request(proxy.url, { path: '/v2/app/manifests/.INVALID_MANIFEST_NAME' });
  assert.deepEqual([invalid.status, errorCode(invalid)], [404, 'MANIFEST_UNKNOWN']);
  assert.equal((await request(proxy.url, { path: `/v2/app/blobs/${sha256('nope')}` })).status, 404);
  assert.equal((await request(proxy.url, { path: '/v2/nothing/here/manifests/latest' })).status, 404);
  // the old digest stays reachable by digest
  assert.equal((await request(proxy.url, { path: `/v2/app/manifests/${a.digest}`, headers: { Accept: MediaTypes.ociManifest } })).status, 200);
});

test('pushes and deletes to a proxy are refused with 405 UNSUPPORTED and store nothing', { skip }, async (t) => {
  const tmp = await makeTempDir(t, 'proxy-push');
  const img = await makeBusyboxOciLayout(path.join(tmp, 'src'));
  const upstream = await startReferenceRegistry(t);
  const pushed = await uploadImage(upstream.url, 'app', 'v1', 'a layer');
  const proxy = await startTestRegistry(t, { proxy: { url: upstream.url } });
  await assert.rejects(skopeo(['copy', '--dest-tls-verify=false', `oci:${img.dir}:latest`, `docker://${proxy.host}/app:v2`]), /unsupported|405/i);
  const cases: [string, string][] = [
    ['POST', '/v2/app/blobs/uploads/'],
    ['POST', `/v2/app/blobs/uploads/?digest=${sha256('x')}`],
    ['PUT', '/v2/app/manifests/v1'],
    ['DELETE', `/v2/app/manifests/${pushed.digest}`],
    ['DELETE', `/v2/app/blobs/${pushed.layer}`],
    ['PATCH', '/v2/app/blobs/uploads/0a0a0a0a-0000-0000-0000-000000000000'],
  ];
  for (const [method, p] of cases) {
    // Node's client sends a DELETE body unframed, which no server can parse: bodies only where they belong.
    const r = await request(proxy.url, { method, path: p, ...(method === 'DELETE' ? {} : { body: 'x' }) });
    assert.equal(r.status, 405, `${method} ${p}`);
    assert.equal(errorCode(r), 'UNSUPPORTED', `${method} ${p}`);
  }
  assert.deepEqual(await listFiles(proxy.data), []);
  // and the upstream still has its manifest
  assert.equal((await request(upstream.url, { method: 'HEAD', path: `/v2/app/manifests/${pushed.digest}`, headers: { Accept: MediaTypes.ociManifest } })).status, 200);
});

test('an upstream with htpasswd Basic auth: the proxy answers its challenge with --proxy-username/--proxy-password', { skip }, async (t) => {
  const tmp = await makeTempDir(t, 'proxy-basic');
  const htpasswd = path.join(tmp, 'htpasswd');
  await fs.writeFile(htpasswd, execFileSync('htpasswd', ['-nbB', 'up', 'pw']));
  const img = await makeBusyboxOciLayout(path.join(tmp, 'src'));
  const upstream = await startReferenceRegistry(t, { htpasswd });
  await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', 'up:pw', `oci:${img.dir}:latest`, `docker://${upstream.host}/team/bb:1`]);
  const good = await startTestRegistry(t, { proxy: { url: upstream.url, username: 'up', password: 'pw' } });
  const out = path.join(tmp, 'out');
  await skopeo(['copy', '--src-tls-verify=false', `docker://${good.host}/team/bb:1`, `oci:${out}:x`]);
  assert.equal((await readLayoutManifest(out, 'x')).digest, img.manifestDigest);
  const bad = await startTestRegistry(t, { proxy: { url: upstream.url, username: 'up', password: 'wrong' } });
  const r = await request(bad.url, { path: '/v2/team/bb/manifests/1' });
  assert.equal(r.status, 503);
  assert.match(r.json<{ errors: { message: string }[] }>().errors[0]!.message, /unauthorized|authentication/i);
});

test('an upstream with bearer tokens (a Berth registry issuing them): the proxy fetches a token and pulls', async (t) => {
  const tmp = await makeTempDir(t, 'proxy-bearer');
  const htpasswd = path.join(tmp, 'htpasswd');
  await fs.writeFile(htpasswd, execFileSync('htpasswd', ['-nbB', 'up', 'pw']));
  const { key } = makeSigningKey(tmp);
  const img = await makeBusyboxOciLayout(path.join(tmp, 'src'));
  const upstream = await startTestRegistry(t, { htpasswd, tokenAuth: { issueKey: key } });
  await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', 'up:pw', `oci:${img.dir}:latest`, `docker://${upstream.host}/team/bb:1`]);
  const proxy = await startTestRegistry(t, { proxy: { url: upstream.url, username: 'up', password: 'pw' } });
  const out = path.join(tmp, 'out');
  await skopeo(['copy', '--src-tls-verify=false', `docker://${proxy.host}/team/bb:1`, `oci:${out}:x`]);
  assert.equal((await readLayoutManifest(out, 'x')).digest, img.manifestDigest);
  const anonymous = await startTestRegistry(t, { proxy: { url: upstream.url } });
  assert.equal((await request(anonymous.url, { path: '/v2/team/bb/manifests/1' })).status, 503, 'an anonymous token has no pull');
});

test('a corrupt upstream blob never reaches a client whole and is not cached; a corrupt manifest is refused', async (t) => {
  const upstream = await startTestRegistry(t);
  const layer = Buffer.alloc(3 * 1024 * 1024, 'L');
  const pushed = await pushImage(upstream.url, 'app', 'v1', { layer: layer.toString() });
  const proxy = await startTestRegistry(t, { proxy: { url: upstream.url } });
  // Same length, different bytes: only the digest can tell.
  const onDisk = path.join(upstream.data, 'blobs', 'sha256', pushed.layer.slice(7, 9), pushed.layer.slice(7));
  await fs.writeFile(onDisk, Buffer.alloc(layer.length, 'X'));
  const r = await request(proxy.url, { path: `/v2/app/blobs/${pushed.layer}` }).catch((e: Error) => e);
  if (!(r instanceof Error)) assert.notDeepEqual(r.body, Buffer.alloc(layer.length, 'X'), 'the client must not get the whole corrupt blob');
  assert.ok(!(await blobFiles(proxy.data)).includes(pushed.layer.slice(7)), 'corrupt blob not cached');
  assert.deepEqual(await listFiles(path.join(proxy.data, 'uploads')), [], 'no temp file left');
  // repaired upstream: the next request fetches and caches it
  await fs.writeFile(onDisk, layer);
  const ok = await request(proxy.url, { path: `/v2/app/blobs/${pushed.layer}` });
  assert.equal(ok.status, 200);
  assert.ok(ok.body.equals(layer));
  assert.ok((await blobFiles(proxy.data)).includes(pushed.layer.slice(7)));

  const manifestFile = path.join(upstream.data, 'blobs', 'sha256', pushed.digest.slice(7, 9), pushed.digest.slice(7));
  await fs.writeFile(manifestFile, Buffer.from(pushed.body.toString().replace('"schemaVersion":2', '"schemaVersion":2 ')));
  const m = await request(proxy.url, { path: `/v2/app/manifests/${pushed.digest}` });
  assert.equal(m.status, 503);
  assert.ok(!(await blobFiles(proxy.data)).includes(pushed.digest.slice(7)), 'corrupt manifest not cached');
});

test('HEAD of an uncached blob asks upstream without caching; a Range of it is served once cached; parallel GETs store it once', async (t) => {
  const upstream = await startTestRegistry(t);
  const data = Buffer.from(Array.from({ length: 200_000 }, (_, i) => i % 251));
  const digest = await pushBlob(upstream.url, 'app', data);
  const proxy = await startTestRegistry(t, { proxy: { url: upstream.url } });
  const head = await request(proxy.url, { method: 'HEAD', path: `/v2/app/blobs/${digest}` });
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], String(data.length));
  assert.deepEqual(await blobFiles(proxy.data), []);
  const range = await request(proxy.url, { path: `/v2/app/blobs/${digest}`, headers: { Range: 'bytes=1000-1999' } });
  assert.equal(range.status, 206);
  assert.ok(range.body.equals(data.subarray(1000, 2000)));
  assert.deepEqual(await blobFiles(proxy.data), [digest.slice(7)]);

  const other = await pushBlob(upstream.url, 'app', Buffer.concat([data, data]));
  const all = await Promise.all([1, 2, 3, 4].map(() => request(proxy.url, { path: `/v2/app/blobs/${other}` })));
  for (const r of all) {
    assert.equal(r.status, 200);
    assert.equal(sha256(r.body), other);
  }
  assert.deepEqual((await blobFiles(proxy.data)).sort(), [digest.slice(7), other.slice(7)].sort());
});

test('a proxy needs an http(s) upstream URL', async (t) => {
  await assert.rejects(startTestRegistry(t, { proxy: { url: 'ftp://example.com' } }), /--proxy-remote-url/);
  await assert.rejects(startTestRegistry(t, { proxy: { url: 'not a url' } }), /--proxy-remote-url/);
});

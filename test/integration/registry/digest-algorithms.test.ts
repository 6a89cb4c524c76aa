/**
 * Uploads closed with a digest of another algorithm than the one the session
 * announced (sha512 without `digest-algorithm`, as the OCI conformance suite
 * pushes): accepted when the bytes match, DIGEST_INVALID and nothing stored when not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { MediaTypes } from '../../../src/protocol/oci/image.js';
import { sha256 } from './kit/oci-layout.js';
import { errorCode } from './kit/push.js';
import { listFiles, request, startTestRegistry } from './kit/registry-fixture.js';

function sha512(data: Buffer | string): string {
  return 'sha512:' + createHash('sha512').update(data).digest('hex');
}

type Reg = { url: string };

async function open(reg: Reg, repo: string, query = ''): Promise<string> {
  const r = await request(reg.url, { method: 'POST', path: `/v2/${repo}/blobs/uploads/${query}` });
  assert.equal(r.status, 202, r.body.toString());
  return String(r.headers.location);
}

/** The closing PUT carries the whole body. */
async function postPut(reg: Reg, repo: string, data: string, digest: string, query = ''): Promise<{ status: number; code?: string | undefined; location?: string | undefined }> {
  const loc = await open(reg, repo, query);
  const r = await request(reg.url, { method: 'PUT', path: `${loc}?digest=${encodeURIComponent(digest)}`, body: data, headers: { 'Content-Type': 'application/octet-stream' } });
  return { status: r.status, ...(r.status >= 400 ? { code: errorCode(r) } : { location: r.headers.location }) };
}

/** Two ranged PATCHes, then an empty closing PUT. */
async function chunked(reg: Reg, repo: string, data: string, digest: string): Promise<number> {
  const loc = await open(reg, repo);
  const half = Math.floor(data.length / 2);
  const a = await request(reg.url, { method: 'PATCH', path: loc, body: data.slice(0, half), headers: { 'Content-Range': `0-${half - 1}` } });
  assert.equal(a.status, 202);
  const b = await request(reg.url, { method: 'PATCH', path: String(a.headers.location), body: data.slice(half), headers: { 'Content-Range': `${half}-${data.length - 1}` } });
  assert.equal(b.status, 202);
  return (await request(reg.url, { method: 'PUT', path: `${String(b.headers.location)}?digest=${digest}` })).status;
}

/** One PATCH without Content-Range (streamed), then an empty closing PUT. */
async function streamed(reg: Reg, repo: string, data: string, digest: string): Promise<number> {
  const loc = await open(reg, repo);
  const p = await request(reg.url, { method: 'PATCH', path: loc, body: data, headers: { 'Content-Type': 'application/octet-stream' } });
  assert.equal(p.status, 202);
  return (await request(reg.url, { method: 'PUT', path: `${String(p.headers.location)}?digest=${digest}` })).status;
}

async function assertServed(reg: Reg, repo: string, digest: string, data: string): Promise<void> {
  const got = await request(reg.url, { path: `/v2/${repo}/blobs/${digest}` });
  assert.equal(got.status, 200, `${repo} ${digest}`);
  assert.equal(got.body.toString(), data);
  assert.equal(got.headers['docker-content-digest'], digest);
}

test('uploads opened without digest-algorithm close with a sha512 digest: POST+PUT, chunked and streamed PATCH, monolithic POST', async (t) => {
  const reg = await startTestRegistry(t);
  const payloads = { postPut: 'sha512 in one PUT', chunked: 'sha512 in two ranged chunks', streamed: 'sha512 in one streamed PATCH', mono: 'sha512 in a single POST' };
  const put = await postPut(reg, 'app', payloads.postPut, sha512(payloads.postPut));
  assert.equal(put.status, 201);
  assert.equal(put.location, `/v2/app/blobs/${sha512(payloads.postPut)}`);
  assert.equal(await chunked(reg, 'app', payloads.chunked, sha512(payloads.chunked)), 201);
  assert.equal(await streamed(reg, 'app', payloads.streamed, sha512(payloads.streamed)), 201);
  const mono = await request(reg.url, { method: 'POST', path: `/v2/app/blobs/uploads/?digest=${sha512(payloads.mono)}`, body: payloads.mono });
  assert.equal(mono.status, 201);
  for (const data of Object.values(payloads)) await assertServed(reg, 'app', sha512(data), data);
  // The blob is stored under its sha512 name only, and no session is left behind.
  assert.deepEqual((await listFiles(path.join(reg.data, 'blobs'))).map((f) => f.split('/')[0]), ['sha512', 'sha512', 'sha512', 'sha512']);
  assert.deepEqual(await listFiles(path.join(reg.data, 'uploads')), []);
  // The other way round: announced sha512, closed with sha256.
  const back = await postPut(reg, 'app', 'announced sha512', sha256('announced sha512'), '?digest-algorithm=sha512');
  assert.equal(back.status, 201);
  await assertServed(reg, 'app', sha256('announced sha512'), 'announced sha512');
});

test('a sha512 digest that does not match the content is DIGEST_INVALID in every flow, and nothing is stored', async (t) => {
  const reg = await startTestRegistry(t);
  const wrong = sha512('other bytes');
  const put = await postPut(reg, 'app', 'payload', wrong);
  assert.deepEqual([put.status, put.code], [400, 'DIGEST_INVALID']);
  // the right content's sha256 hex under a sha512 name is no match either
  const relabelled = `sha512:${createHash('sha256').update('payload').digest('hex').repeat(2)}`;
  assert.deepEqual((await postPut(reg, 'app', 'payload', relabelled)).code, 'DIGEST_INVALID');
  assert.equal(await chunked(reg, 'app', 'chunked payload', wrong), 400);
  assert.equal(await streamed(reg, 'app', 'streamed payload', wrong), 400);
  const mono = await request(reg.url, { method: 'POST', path: `/v2/app/blobs/uploads/?digest=${wrong}`, body: 'payload' });
  assert.deepEqual([mono.status, errorCode(mono)], [400, 'DIGEST_INVALID']);
  const announced = await postPut(reg, 'app', 'payload', sha256('other bytes'), '?digest-algorithm=sha512');
  assert.deepEqual([announced.status, announced.code], [400, 'DIGEST_INVALID']);
  assert.deepEqual(await listFiles(path.join(reg.data, 'blobs')), []);
  assert.deepEqual(await listFiles(path.join(reg.data, 'uploads')), []);
  assert.equal((await request(reg.url, { method: 'HEAD', path: `/v2/app/blobs/${sha512('payload')}` })).status, 404);
});

// skopeo 1.9 (Debian's) cannot take part: it hashes every blob with sha256 and refuses sha512 content
// on push and on pull alike ("digest sha256:… does not match expected sha512:…"), before it reaches us.
test('a manifest referencing blobs pushed with unannounced sha512 digests is accepted and served by tag and by digest', async (t) => {
  const reg = await startTestRegistry(t);
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256('layer')] } });
  const layer = 'layer';
  assert.equal((await postPut(reg, 'sha/app', config, sha512(config))).status, 201);
  assert.equal(await chunked(reg, 'sha/app', layer, sha512(layer)), 201);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    config: { mediaType: MediaTypes.ociConfig, digest: sha512(config), size: config.length },
    layers: [{ mediaType: MediaTypes.ociLayer, digest: sha512(layer), size: layer.length }],
  });
  const m = await request(reg.url, { method: 'PUT', path: `/v2/sha/app/manifests/${sha512(manifest)}?tag=v1`, body: manifest, headers: { 'Content-Type': MediaTypes.ociManifest } });
  assert.equal(m.status, 201, m.body.toString());
  assert.equal(m.headers['docker-content-digest'], sha512(manifest));
  for (const ref of ['v1', sha512(manifest)]) {
    const got = await request(reg.url, { path: `/v2/sha/app/manifests/${ref}` });
    assert.equal(got.status, 200, ref);
    assert.equal(got.body.toString(), manifest);
    assert.equal(got.headers['docker-content-digest'], sha512(manifest));
  }
  await assertServed(reg, 'sha/app', sha512(config), config);
  await assertServed(reg, 'sha/app', sha512(layer), layer);
});

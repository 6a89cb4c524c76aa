/** Spec behaviours checked over raw HTTP: errors, deletes, uploads, names, referrers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as path from 'node:path';
import { MediaTypes } from '../../../src/protocol/oci/image.js';
import { sha256 } from './kit/oci-layout.js';
import { errorCode, pushBlob, pushImage } from './kit/push.js';
import { listFiles, request, startTestRegistry } from './kit/registry-fixture.js';

test('GET /v2/ answers 200 with the API version header', async (t) => {
  const reg = await startTestRegistry(t);
  const r = await request(reg.url, { path: '/v2/' });
  assert.equal(r.status, 200);
  assert.equal(r.headers['docker-distribution-api-version'], 'registry/2.0');
});

test('unknown manifest is 404 MANIFEST_UNKNOWN with the spec error body', async (t) => {
  const reg = await startTestRegistry(t);
  await pushImage(reg.url, 'app', 'v1');
  const r = await request(reg.url, { path: '/v2/app/manifests/nope' });
  assert.equal(r.status, 404);
  const body = r.json<{ errors: { code: string; message: string; detail?: unknown }[] }>();
  assert.equal(body.errors.length, 1);
  assert.equal(body.errors[0]!.code, 'MANIFEST_UNKNOWN');
  assert.equal(typeof body.errors[0]!.message, 'string');
  const unknownRepo = await request(reg.url, { path: '/v2/missing/manifests/v1' });
  assert.equal(unknownRepo.status, 404);
  assert.equal(errorCode(unknownRepo), 'NAME_UNKNOWN');
  const head = await request(reg.url, { method: 'HEAD', path: `/v2/app/manifests/${sha256('x')}` });
  assert.equal(head.status, 404);
});

test('a reference that is neither tag nor digest is 404 MANIFEST_UNKNOWN for GET, HEAD and DELETE; a PUT to it is 400 MANIFEST_INVALID', async (t) => {
  const reg = await startTestRegistry(t);
  const img = await pushImage(reg.url, 'app', 'v1');
  // the conformance suite's name, a malformed and an unsupported digest, a 129-character tag, `..` percent-encoded
  const refs = ['.INVALID_MANIFEST_NAME', 'sha256:totallywrong', `md5:${'0'.repeat(32)}`, 'a'.repeat(129), '-lead', '%2e%2e'];
  for (const ref of refs) {
    const get = await request(reg.url, { path: `/v2/app/manifests/${ref}` });
    assert.deepEqual([get.status, errorCode(get)], [404, 'MANIFEST_UNKNOWN'], `GET ${ref}`);
    const head = await request(reg.url, { method: 'HEAD', path: `/v2/app/manifests/${ref}` });
    assert.deepEqual([head.status, head.body.length], [404, 0], `HEAD ${ref}`);
    const del = await request(reg.url, { method: 'DELETE', path: `/v2/app/manifests/${ref}` });
    assert.deepEqual([del.status, errorCode(del)], [404, 'MANIFEST_UNKNOWN'], `DELETE ${ref}`);
    const put = await request(reg.url, { method: 'PUT', path: `/v2/app/manifests/${ref}`, body: img.body, headers: { 'Content-Type': MediaTypes.ociManifest } });
    assert.deepEqual([put.status, errorCode(put)], [400, 'MANIFEST_INVALID'], `PUT ${ref}`);
  }
  const unknownRepo = await request(reg.url, { path: '/v2/missing/manifests/.INVALID_MANIFEST_NAME' });
  assert.deepEqual([unknownRepo.status, errorCode(unknownRepo)], [404, 'NAME_UNKNOWN']);
  assert.deepEqual((await request(reg.url, { path: '/v2/app/tags/list' })).json(), { name: 'app', tags: ['v1'] });
  assert.equal((await request(reg.url, { path: '/v2/app/manifests/v1' })).status, 200);
});

test('manifest GET/HEAD return the media type, digest and exact bytes', async (t) => {
  const reg = await startTestRegistry(t);
  const img = await pushImage(reg.url, 'app', 'v1');
  for (const ref of ['v1', img.digest]) {
    const r = await request(reg.url, { path: `/v2/app/manifests/${ref}` });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], MediaTypes.ociManifest);
    assert.equal(r.headers['docker-content-digest'], img.digest);
    assert.deepEqual(r.body, img.body);
    const h = await request(reg.url, { method: 'HEAD', path: `/v2/app/manifests/${ref}` });
    assert.equal(h.status, 200);
    assert.equal(h.headers['content-length'], String(img.body.length));
  }
});

test('DELETE manifest by digest answers 202 and removes it and its tags', async (t) => {
  const reg = await startTestRegistry(t);
  const img = await pushImage(reg.url, 'app', 'v1');
  const del = await request(reg.url, { method: 'DELETE', path: `/v2/app/manifests/${img.digest}` });
  assert.equal(del.status, 202);
  assert.equal((await request(reg.url, { path: `/v2/app/manifests/${img.digest}` })).status, 404);
  assert.equal((await request(reg.url, { path: '/v2/app/manifests/v1' })).status, 404);
  assert.deepEqual((await request(reg.url, { path: '/v2/app/tags/list' })).json(), { name: 'app', tags: [] });
  const again = await request(reg.url, { method: 'DELETE', path: `/v2/app/manifests/${img.digest}` });
  assert.equal(again.status, 404);
});

test('DELETE by tag removes only the tag', async (t) => {
  const reg = await startTestRegistry(t);
  const img = await pushImage(reg.url, 'app', 'v1');
  assert.equal((await request(reg.url, { method: 'DELETE', path: '/v2/app/manifests/v1' })).status, 202);
  assert.equal((await request(reg.url, { path: '/v2/app/manifests/v1' })).status, 404);
  assert.equal((await request(reg.url, { path: `/v2/app/manifests/${img.digest}` })).status, 200);
});

test('upload with a wrong digest is refused with DIGEST_INVALID and nothing is stored', async (t) => {
  const reg = await startTestRegistry(t);
  const wrong = sha256('something else');
  const mono = await request(reg.url, { method: 'POST', path: `/v2/app/blobs/uploads/?digest=${wrong}`, body: 'payload' });
  assert.equal(mono.status, 400);
  assert.equal(errorCode(mono), 'DIGEST_INVALID');

  const start = await request(reg.url, { method: 'POST', path: '/v2/app/blobs/uploads/' });
  assert.equal(start.status, 202);
  const loc = String(start.headers.location);
  const put = await request(reg.url, { method: 'PUT', path: `${loc}?digest=${wrong}`, body: 'payload' });
  assert.equal(put.status, 400);
  assert.equal(errorCode(put), 'DIGEST_INVALID');
  assert.deepEqual(await listFiles(path.join(reg.data, 'blobs')), []);
  assert.deepEqual(await listFiles(path.join(reg.data, 'uploads')), []);
  assert.equal((await request(reg.url, { method: 'HEAD', path: `/v2/app/blobs/${sha256('payload')}` })).status, 404);
});

test('chunked upload: in-order PATCHes, 416 on an out-of-order chunk, status GET, closing PUT', async (t) => {
  const reg = await startTestRegistry(t);
  const start = await request(reg.url, { method: 'POST', path: '/v2/app/blobs/uploads/', headers: { 'Content-Length': '0' } });
  assert.equal(start.status, 202);
  assert.ok(start.headers['docker-upload-uuid']);
  assert.equal(start.headers.range, '0-0');
  const loc = String(start.headers.location);
  const p1 = await request(reg.url, { method: 'PATCH', path: loc, body: 'hello ', headers: { 'Content-Range': '0-5', 'Content-Type': 'application/octet-stream' } });
  assert.equal(p1.status, 202);
  assert.equal(p1.headers.range, '0-5');
  const bad = await request(reg.url, { method: 'PATCH', path: loc, body: 'xx', headers: { 'Content-Range': '10-11' } });
  assert.equal(bad.status, 416);
  const status = await request(reg.url, { path: loc });
  assert.equal(status.status, 204);
  assert.equal(status.headers.range, '0-5');
  const p2 = await request(reg.url, { method: 'PATCH', path: String(p1.headers.location), body: 'world', headers: { 'Content-Range': '6-10' } });
  assert.equal(p2.status, 202);
  const digest = sha256('hello world');
  const fin = await request(reg.url, { method: 'PUT', path: `${loc}?digest=${digest}`, body: '!', headers: { 'Content-Range': '11-11' } });
  assert.equal(fin.status, 400, 'closing chunk changes the digest');
  const start2 = await request(reg.url, { method: 'POST', path: '/v2/app/blobs/uploads/' });
  const loc2 = String(start2.headers.location);
  await request(reg.url, { method: 'PATCH', path: loc2, body: 'hello ', headers: { 'Content-Range': '0-5' } });
  const fin2 = await request(reg.url, { method: 'PUT', path: `${loc2}?digest=${digest}`, body: 'world', headers: { 'Content-Range': '6-10' } });
  assert.equal(fin2.status, 201);
  assert.equal(fin2.headers.location, `/v2/app/blobs/${digest}`);
  const got = await request(reg.url, { path: `/v2/app/blobs/${digest}` });
  assert.equal(got.body.toString(), 'hello world');
  assert.equal((await request(reg.url, { path: loc2 })).status, 404, 'finished session is gone');
});

test('cancelled upload answers 204 and the session is gone', async (t) => {
  const reg = await startTestRegistry(t);
  const loc = String((await request(reg.url, { method: 'POST', path: '/v2/app/blobs/uploads/' })).headers.location);
  assert.equal((await request(reg.url, { method: 'DELETE', path: loc })).status, 204);
  const r = await request(reg.url, { path: loc });
  assert.equal(r.status, 404);
  assert.equal(errorCode(r), 'BLOB_UPLOAD_UNKNOWN');
});

test('a truncated upload (client gone mid-body) leaves no blob and keeps the session offset', async (t) => {
  const reg = await startTestRegistry(t);
  const loc = String((await request(reg.url, { method: 'POST', path: '/v2/app/blobs/uploads/' })).headers.location);
  const u = new URL(reg.url);
  await new Promise<void>((resolve, reject) => {
    const s = net.connect(Number(u.port), u.hostname, () => {
      s.write(`PATCH ${loc} HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000\r\n\r\n`);
      s.write(Buffer.alloc(400, 1));
      setTimeout(() => s.destroy(), 100);
    });
    s.on('close', () => resolve());
    s.on('error', reject);
  });
  // The server notices the abort asynchronously; poll the status briefly.
  let range: string | undefined;
  for (let i = 0; i < 20; i++) {
    const st = await request(reg.url, { path: loc });
    assert.equal(st.status, 204);
    range = String(st.headers.range);
    if (range === '0-0') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(range, '0-0');
  assert.deepEqual(await listFiles(path.join(reg.data, 'blobs')), []);
  const ok = await request(reg.url, { method: 'PUT', path: `${loc}?digest=${sha256('fine')}`, body: 'fine' });
  assert.equal(ok.status, 201, 'the session is still usable from its last good offset');
});

test('oversized manifest is refused with 413 MANIFEST_INVALID', async (t) => {
  const reg = await startTestRegistry(t);
  const big = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, annotations: { pad: 'x'.repeat(4 * 1024 * 1024) } }));
  const r = await request(reg.url, { method: 'PUT', path: '/v2/app/manifests/big', body: big, headers: { 'Content-Type': MediaTypes.ociManifest } });
  assert.equal(r.status, 413);
  assert.equal(errorCode(r), 'MANIFEST_INVALID');
});

test('invalid manifests: bad JSON is MANIFEST_INVALID, missing blobs MANIFEST_BLOB_UNKNOWN, digest mismatch DIGEST_INVALID', async (t) => {
  const reg = await startTestRegistry(t);
  const notJson = await request(reg.url, { method: 'PUT', path: '/v2/app/manifests/x', body: '{nope', headers: { 'Content-Type': MediaTypes.ociManifest } });
  assert.equal(notJson.status, 400);
  assert.equal(errorCode(notJson), 'MANIFEST_INVALID');
  const missing = { schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: { mediaType: MediaTypes.ociConfig, digest: sha256('c'), size: 1 }, layers: [] };
  const r = await request(reg.url, { method: 'PUT', path: '/v2/app/manifests/x', body: JSON.stringify(missing), headers: { 'Content-Type': MediaTypes.ociManifest } });
  assert.equal(r.status, 400);
  assert.equal(errorCode(r), 'MANIFEST_BLOB_UNKNOWN');
  const config = await pushBlob(reg.url, 'app', 'c');
  const body = JSON.stringify({ ...missing, config: { ...missing.config, digest: config } });
  const mism = await request(reg.url, { method: 'PUT', path: `/v2/app/manifests/${sha256('other')}`, body, headers: { 'Content-Type': MediaTypes.ociManifest } });
  assert.equal(mism.status, 400);
  assert.equal(errorCode(mism), 'DIGEST_INVALID');
  const byDigest = await request(reg.url, { method: 'PUT', path: `/v2/app/manifests/${sha256(body)}?tag=a&tag=b`, body, headers: { 'Content-Type': MediaTypes.ociManifest } });
  assert.equal(byDigest.status, 201);
  assert.equal(byDigest.headers['oci-tag'], 'a, b');
});

test('repository names with .. or other path tricks are NAME_INVALID and touch nothing', async (t) => {
  const reg = await startTestRegistry(t);
  for (const p of ['/v2/../etc/manifests/latest', '/v2/a/../b/manifests/latest', '/v2/%2e%2e/x/tags/list', '/v2/A/blobs/uploads/', '/v2/a//b/tags/list', '/v2/_x/tags/list', '/v2/a/./b/manifests/v1']) {
    const r = await request(reg.url, { method: p.endsWith('uploads/') ? 'POST' : 'GET', path: p });
    assert.equal(r.status, 400, p);
    assert.equal(errorCode(r), 'NAME_INVALID', p);
  }
  assert.deepEqual(await listFiles(reg.data), []);
});

test('blobs: HEAD, Range GET (206/416), DELETE 202 then 404', async (t) => {
  const reg = await startTestRegistry(t);
  const d = await pushBlob(reg.url, 'app', '0123456789');
  const h = await request(reg.url, { method: 'HEAD', path: `/v2/app/blobs/${d}` });
  assert.equal(h.status, 200);
  assert.equal(h.headers['content-length'], '10');
  assert.equal(h.headers['docker-content-digest'], d);
  const part = await request(reg.url, { path: `/v2/app/blobs/${d}`, headers: { Range: 'bytes=2-4' } });
  assert.equal(part.status, 206);
  assert.equal(part.body.toString(), '234');
  assert.equal(part.headers['content-range'], 'bytes 2-4/10');
  const tail = await request(reg.url, { path: `/v2/app/blobs/${d}`, headers: { Range: 'bytes=-3' } });
  assert.equal(tail.body.toString(), '789');
  const beyond = await request(reg.url, { path: `/v2/app/blobs/${d}`, headers: { Range: 'bytes=20-' } });
  assert.equal(beyond.status, 416);
  assert.equal((await request(reg.url, { path: `/v2/other/blobs/${d}` })).status, 404, 'not visible in another repo');
  assert.equal((await request(reg.url, { method: 'DELETE', path: `/v2/app/blobs/${d}` })).status, 202);
  const gone = await request(reg.url, { path: `/v2/app/blobs/${d}` });
  assert.equal(gone.status, 404);
  assert.equal(errorCode(gone), 'BLOB_UNKNOWN');
});

test('cross-repo mount: 201 when the source has the blob, 202 upload session otherwise', async (t) => {
  const reg = await startTestRegistry(t);
  const d = await pushBlob(reg.url, 'src', 'shared layer');
  const m = await request(reg.url, { method: 'POST', path: `/v2/dst/blobs/uploads/?mount=${d}&from=src` });
  assert.equal(m.status, 201);
  assert.equal(m.headers.location, `/v2/dst/blobs/${d}`);
  assert.equal((await request(reg.url, { method: 'HEAD', path: `/v2/dst/blobs/${d}` })).status, 200);
  const miss = await request(reg.url, { method: 'POST', path: `/v2/dst2/blobs/uploads/?mount=${sha256('absent')}&from=src` });
  assert.equal(miss.status, 202);
  assert.match(String(miss.headers.location), /^\/v2\/dst2\/blobs\/uploads\//);
  const wrongFrom = await request(reg.url, { method: 'POST', path: `/v2/dst3/blobs/uploads/?mount=${d}&from=dst2` });
  assert.equal(wrongFrom.status, 202);
});

test('referrers: a manifest with subject gets OCI-Subject and is listed, with artifactType filter', async (t) => {
  const reg = await startTestRegistry(t);
  const img = await pushImage(reg.url, 'app', 'v1');
  const subject = { mediaType: MediaTypes.ociManifest, digest: img.digest, size: img.body.length };
  const empty = await pushBlob(reg.url, 'app', '{}');
  const sig = {
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    artifactType: 'application/vnd.example.signature.v1',
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: empty, size: 2 },
    layers: [{ mediaType: 'application/vnd.oci.empty.v1+json', digest: empty, size: 2 }],
    subject,
    annotations: { 'org.example.kind': 'sig' },
  };
  const sigBody = JSON.stringify(sig);
  const put = await request(reg.url, { method: 'PUT', path: `/v2/app/manifests/${sha256(sigBody)}`, body: sigBody, headers: { 'Content-Type': MediaTypes.ociManifest } });
  assert.equal(put.status, 201);
  assert.equal(put.headers['oci-subject'], img.digest);
  const sbom = { ...sig, artifactType: undefined, config: { mediaType: 'application/vnd.example.sbom.v1', digest: empty, size: 2 }, annotations: undefined };
  const sbomBody = JSON.stringify(sbom);
  assert.equal((await request(reg.url, { method: 'PUT', path: `/v2/app/manifests/${sha256(sbomBody)}`, body: sbomBody, headers: { 'Content-Type': MediaTypes.ociManifest } })).status, 201);

  const all = await request(reg.url, { path: `/v2/app/referrers/${img.digest}` });
  assert.equal(all.status, 200);
  assert.equal(all.headers['content-type'], MediaTypes.ociIndex);
  const idx = all.json<{ schemaVersion: number; manifests: { digest: string; artifactType?: string; annotations?: Record<string, string> }[] }>();
  assert.equal(idx.schemaVersion, 2);
  assert.equal(idx.manifests.length, 2);
  const sigDesc = idx.manifests.find((m) => m.digest === sha256(sigBody));
  assert.equal(sigDesc?.artifactType, 'application/vnd.example.signature.v1');
  assert.deepEqual(sigDesc?.annotations, { 'org.example.kind': 'sig' });
  assert.equal(idx.manifests.find((m) => m.digest === sha256(sbomBody))?.artifactType, 'application/vnd.example.sbom.v1');

  const filtered = await request(reg.url, { path: `/v2/app/referrers/${img.digest}?artifactType=application/vnd.example.sbom.v1` });
  assert.equal(filtered.headers['oci-filters-applied'], 'artifactType');
  assert.deepEqual(filtered.json<{ manifests: { digest: string }[] }>().manifests.map((m) => m.digest), [sha256(sbomBody)]);

  const none = await request(reg.url, { path: `/v2/app/referrers/${sha256('nothing')}` });
  assert.equal(none.status, 200);
  assert.deepEqual(none.json<{ manifests: unknown[] }>().manifests, []);
  assert.equal((await request(reg.url, { path: '/v2/app/referrers/sha256:xyz' })).status, 400);

  assert.equal((await request(reg.url, { method: 'DELETE', path: `/v2/app/manifests/${sha256(sigBody)}` })).status, 202);
  const after = await request(reg.url, { path: `/v2/app/referrers/${img.digest}` });
  assert.equal(after.json<{ manifests: unknown[] }>().manifests.length, 1);
});

test('index manifest must reference manifests of the repo', async (t) => {
  const reg = await startTestRegistry(t);
  const img = await pushImage(reg.url, 'app', 'v1');
  const index = { schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [{ mediaType: MediaTypes.ociManifest, digest: img.digest, size: img.body.length }] };
  const ok = await request(reg.url, { method: 'PUT', path: '/v2/app/manifests/multi', body: JSON.stringify(index), headers: { 'Content-Type': MediaTypes.ociIndex } });
  assert.equal(ok.status, 201);
  const bad = await request(reg.url, { method: 'PUT', path: '/v2/other/manifests/multi', body: JSON.stringify(index), headers: { 'Content-Type': MediaTypes.ociIndex } });
  assert.equal(bad.status, 400);
  assert.equal(errorCode(bad), 'MANIFEST_BLOB_UNKNOWN');
});

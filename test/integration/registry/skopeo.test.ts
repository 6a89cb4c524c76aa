/** The Berth registry driven by skopeo (containers/image), a client nobody here wrote. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { makeBusyboxOciLayout, readLayoutManifest } from './kit/oci-layout.js';
import { listFiles, makeTempDir, request, skopeo, startTestRegistry } from './kit/registry-fixture.js';

test('skopeo pushes an OCI layout, inspects it and copies it back with identical digests', async (t) => {
  const tmp = await makeTempDir(t, 'skopeo');
  const img = await makeBusyboxOciLayout(path.join(tmp, 'src'));
  const reg = await startTestRegistry(t);
  const ref = `docker://${reg.host}/test/bb:1`;

  await skopeo(['copy', '--dest-tls-verify=false', `oci:${img.dir}:latest`, ref]);

  const inspect = JSON.parse((await skopeo(['inspect', '--tls-verify=false', ref])).stdout) as { Digest: string; Layers: string[]; Os: string };
  assert.equal(inspect.Digest, img.manifestDigest);
  assert.deepEqual(inspect.Layers, [img.layerDigest]);
  assert.equal(inspect.Os, 'linux');

  const raw = JSON.parse((await skopeo(['inspect', '--raw', '--tls-verify=false', ref])).stdout) as { config: { digest: string } };
  assert.equal(raw.config.digest, img.configDigest);

  const back = path.join(tmp, 'back');
  await skopeo(['copy', '--src-tls-verify=false', ref, `oci:${back}:copied`]);
  const copied = await readLayoutManifest(back, 'copied');
  assert.equal(copied.digest, img.manifestDigest);
  assert.deepEqual(copied.manifest.layers.map((l) => l.digest), [img.layerDigest]);
  const layer = await fs.readFile(path.join(back, 'blobs', 'sha256', img.layerDigest.slice(7)));
  assert.equal(layer.length, img.manifest.layers[0]!.size);
});

test('catalog and tags list show what skopeo pushed, with n/last pagination and Link', async (t) => {
  const tmp = await makeTempDir(t, 'skopeo');
  const img = await makeBusyboxOciLayout(path.join(tmp, 'src'));
  const reg = await startTestRegistry(t);
  for (const dest of ['test/bb:1', 'test/bb:2', 'test/bb:latest', 'other/busybox:v1']) {
    await skopeo(['copy', '--dest-tls-verify=false', `oci:${img.dir}:latest`, `docker://${reg.host}/${dest}`]);
  }
  const tags = JSON.parse((await skopeo(['list-tags', '--tls-verify=false', `docker://${reg.host}/test/bb`])).stdout) as { Tags: string[] };
  assert.deepEqual(tags.Tags, ['1', '2', 'latest']);

  const cat = await request(reg.url, { path: '/v2/_catalog' });
  assert.deepEqual(cat.json(), { repositories: ['other/busybox', 'test/bb'] });

  const page1 = await request(reg.url, { path: '/v2/test/bb/tags/list?n=2' });
  assert.deepEqual(page1.json(), { name: 'test/bb', tags: ['1', '2'] });
  assert.equal(page1.headers.link, '</v2/test/bb/tags/list?n=2&last=2>; rel="next"');
  const page2 = await request(reg.url, { path: '/v2/test/bb/tags/list?n=2&last=2' });
  assert.deepEqual(page2.json(), { name: 'test/bb', tags: ['latest'] });
  assert.equal(page2.headers.link, undefined);
  const none = await request(reg.url, { path: '/v2/test/bb/tags/list?n=0' });
  assert.deepEqual(none.json(), { name: 'test/bb', tags: [] });
  assert.equal(none.headers.link, undefined);

  const cat1 = await request(reg.url, { path: '/v2/_catalog?n=1' });
  assert.deepEqual(cat1.json(), { repositories: ['other/busybox'] });
  assert.equal(cat1.headers.link, '</v2/_catalog?n=1&last=other%2Fbusybox>; rel="next"');

  // Layers pushed twice (two repos, four tags) are stored once.
  const blobs = (await listFiles(path.join(reg.data, 'blobs'))).filter((f) => f.includes(img.layerDigest.slice(7)));
  assert.equal(blobs.length, 1);
});

test('htpasswd auth: skopeo needs --dest-creds; anonymous requests get 401 UNAUTHORIZED', async (t) => {
  const tmp = await makeTempDir(t, 'auth');
  const htpasswd = path.join(tmp, 'htpasswd');
  execFileSync('htpasswd', ['-B', '-b', '-c', htpasswd, 'alice', 's3cret'], { stdio: 'ignore' });
  const img = await makeBusyboxOciLayout(path.join(tmp, 'src'));
  const reg = await startTestRegistry(t, { htpasswd });
  const ref = `docker://${reg.host}/secure/bb:1`;

  const anon = await request(reg.url, { path: '/v2/' });
  assert.equal(anon.status, 401);
  assert.match(String(anon.headers['www-authenticate']), /^Basic realm="/);
  assert.equal(anon.json<{ errors: { code: string }[] }>().errors[0]!.code, 'UNAUTHORIZED');
  const wrong = await request(reg.url, { path: '/v2/', headers: { Authorization: 'Basic ' + Buffer.from('alice:nope').toString('base64') } });
  assert.equal(wrong.status, 401);

  await assert.rejects(skopeo(['copy', '--dest-tls-verify=false', `oci:${img.dir}:latest`, ref]), /unauthorized|authentication required|401/i);
  await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', 'alice:s3cret', `oci:${img.dir}:latest`, ref]);
  const inspect = JSON.parse((await skopeo(['inspect', '--tls-verify=false', '--creds', 'alice:s3cret', ref])).stdout) as { Digest: string };
  assert.equal(inspect.Digest, img.manifestDigest);
});

test('TLS: skopeo pushes and inspects over https with a given certificate and key', async (t) => {
  const tmp = await makeTempDir(t, 'tls');
  const cert = path.join(tmp, 'cert.pem');
  const key = path.join(tmp, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const img = await makeBusyboxOciLayout(path.join(tmp, 'src'));
  const reg = await startTestRegistry(t, { tlsCert: cert, tlsKey: key });
  assert.match(reg.url, /^https:\/\//);
  const ref = `docker://${reg.host}/tls/bb:1`;
  await skopeo(['copy', '--dest-tls-verify=false', `oci:${img.dir}:latest`, ref]);
  const inspect = JSON.parse((await skopeo(['inspect', '--tls-verify=false', ref])).stdout) as { Digest: string };
  assert.equal(inspect.Digest, img.manifestDigest);
  const v2 = await request(reg.url, { path: '/v2/' });
  assert.equal(v2.status, 200);
});

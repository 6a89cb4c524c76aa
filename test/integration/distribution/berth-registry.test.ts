/**
 * Push and pull against our own registry (startRegistry on 127.0.0.1:0):
 * round trip by tag and by digest, up-to-date and already-exists paths,
 * cross-repo mount, Docker's not-found wording, htpasswd Basic auth + login.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { startRegistry } from '../../../src/registry/server';
import { parseReference } from '../../../src/image/reference';
import { login } from '../../../src/image/distribution/auth';
import { pullImage } from '../../../src/image/distribution/pull';
import { pushImage } from '../../../src/image/distribution/push';
import { RegistryClient, sha256Digest } from '../../../src/image/distribution/registry-client';
import { importBusybox, listFiles, openStore, recorder, tempDir } from './kit';

async function registry(t: import('node:test').TestContext, htpasswd?: string) {
  const dir = await tempDir(t, 'reg');
  const r = await startRegistry({ addr: '127.0.0.1:0', data: path.join(dir, 'data'), ...(htpasswd ? { htpasswd } : {}) });
  t.after(() => r.close());
  return r;
}

test('push then pull by tag and by digest gives the same image', async (t) => {
  const reg = await registry(t);
  const a = await openStore(t);
  const name = `${reg.host}/test/bb`;
  const id = await importBusybox(a, `${name}:1`);

  const push = recorder();
  const pushed = await pushImage(a.pushDeps, parseReference(`${name}:1`), { onProgress: push.sink });
  assert.equal(push.statuses()[0], `The push refers to repository [${name}]`);
  assert.ok(push.statuses().includes('Preparing'));
  assert.ok(push.statuses().includes('Pushed'));
  assert.equal(push.statuses().at(-2), `1: digest: ${pushed.digest} size: ${pushed.size}`);
  assert.deepEqual(push.events.at(-1), { type: 'aux', aux: { Tag: '1', Digest: pushed.digest, Size: pushed.size } });
  // the registry serves exactly those bytes
  const res = await fetch(`${reg.url}/v2/test/bb/manifests/1`, { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } });
  assert.equal(sha256Digest(Buffer.from(await res.arrayBuffer())), pushed.digest);

  const b = await openStore(t);
  const pull = recorder();
  const got = await pullImage(b.pullDeps, parseReference(`${name}:1`), { onProgress: pull.sink });
  assert.equal(got.id, id);
  assert.equal(got.digest, pushed.digest);
  assert.deepEqual(pull.events[0], { type: 'status', status: 'Pulling from test/bb', id: '1' });
  for (const s of ['Pulling fs layer', 'Downloading', 'Verifying Checksum', 'Download complete', 'Extracting', 'Pull complete']) assert.ok(pull.statuses().includes(s), s);
  assert.deepEqual(pull.statuses().slice(-2), [`Digest: ${pushed.digest}`, `Status: Downloaded newer image for ${name}:1`]);
  const rec = await b.images.resolve(`${name}:1`);
  assert.equal(rec.id, id);
  assert.deepEqual(rec.repoDigests, [`${name}@${pushed.digest}`]);
  assert.ok((await b.images.layerDirs(id)).length === 1);

  const again = recorder();
  const second = await pullImage(b.pullDeps, parseReference(`${name}:1`), { onProgress: again.sink });
  assert.equal(second.upToDate, true);
  assert.ok(again.statuses().includes('Already exists'));
  assert.equal(again.statuses().at(-1), `Status: Image is up to date for ${name}:1`);

  const c = await openStore(t);
  const byDigest = recorder();
  const d = await pullImage(c.pullDeps, parseReference(`${name}@${pushed.digest}`), { onProgress: byDigest.sink });
  assert.equal(d.id, id);
  assert.equal(byDigest.statuses().at(-1), `Status: Downloaded newer image for ${name}@${pushed.digest}`);
  assert.equal((await c.images.resolve(`${name}@${pushed.digest}`)).id, id);
});

test('a second push says "Layer already exists"; a pulled image pushed elsewhere mounts and keeps its digest', async (t) => {
  const reg = await registry(t);
  const a = await openStore(t);
  const name = `${reg.host}/test/bb`;
  await importBusybox(a, `${name}:1`);
  const first = await pushImage(a.pushDeps, parseReference(`${name}:1`), { onProgress: () => undefined });
  const again = recorder();
  const second = await pushImage(a.pushDeps, parseReference(`${name}:1`), { onProgress: again.sink });
  assert.ok(again.statuses().includes('Layer already exists'));
  assert.equal(second.digest, first.digest);

  const b = await openStore(t);
  await pullImage(b.pullDeps, parseReference(`${name}:1`), { onProgress: () => undefined });
  await b.images.tag(`${name}:1`, `${reg.host}/other/bb`, 'x');
  const mount = recorder();
  const pushed = await pushImage(b.pushDeps, parseReference(`${reg.host}/other/bb:x`), { onProgress: mount.sink });
  assert.ok(mount.statuses().includes('Mounted from test/bb'), mount.statuses().join('|'));
  assert.equal(pushed.digest, first.digest);
});

test('unknown tag and unknown repository fail in Docker\'s words and leave the store empty', async (t) => {
  const reg = await registry(t);
  const a = await openStore(t);
  await importBusybox(a, `${reg.host}/test/bb:1`);
  await pushImage(a.pushDeps, parseReference(`${reg.host}/test/bb:1`), { onProgress: () => undefined });
  const b = await openStore(t);
  await assert.rejects(pullImage(b.pullDeps, parseReference(`${reg.host}/test/bb:nope`), { onProgress: () => undefined }), {
    message: new RegExp(`^manifest for ${reg.host.replace(/\./g, '\\.')}/test/bb:nope not found: manifest unknown: `),
  });
  await assert.rejects(pullImage(b.pullDeps, parseReference(`${reg.host}/no/such`), { onProgress: () => undefined }), (e: Error) => /not found/.test(e.message));
  assert.equal(b.ctx.store.all().length, 0);
  assert.equal(b.ctx.layers.all().length, 0);
});

test('htpasswd registry: login checks the password, pull without credentials is denied, push/pull with them work', async (t) => {
  const dir = await tempDir(t, 'htpasswd');
  const file = path.join(dir, 'htpasswd');
  await fs.writeFile(file, execFileSync('htpasswd', ['-Bbn', 'rec', 's3cret']));
  const reg = await registry(t, file);
  const client = new RegistryClient();
  await assert.rejects(login(client, reg.host, 'rec', 'wrong'), { message: `login attempt to ${reg.url}/v2/ failed with status: 401 Unauthorized` });
  assert.deepEqual(await login(client, reg.host, 'rec', 's3cret'), { status: 'Login Succeeded', identityToken: '' });

  const a = await openStore(t);
  const name = `${reg.host}/priv/bb`;
  const id = await importBusybox(a, `${name}:1`);
  const auth = { username: 'rec', password: 's3cret' };
  await pushImage(a.pushDeps, parseReference(`${name}:1`), { auth, onProgress: () => undefined });
  const b = await openStore(t);
  await assert.rejects(pullImage(b.pullDeps, parseReference(`${name}:1`), { onProgress: () => undefined }), {
    message: /^pull access denied for 127\.0\.0\.1:\d+\/priv\/bb, repository does not exist or may require 'docker login'/,
  });
  assert.equal((await pullImage(b.pullDeps, parseReference(`${name}:1`), { auth, onProgress: () => undefined })).id, id);
  assert.deepEqual((await listFiles(path.join(b.root, 'image', 'tmp'))), []);
});

/**
 * What a pull keeps and what it leaves: the layer blobs exactly as the
 * registry served them (no uncompressed copy), a save that decompresses them
 * (checking the diffId) into an archive another store loads, a push that
 * sends them as they came, and nothing at all when the registry dies in the
 * middle of a layer. Registries: ours in-process, Debian's docker-registry.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { gzipSync } from 'node:zlib';
import { pullImage } from '../../../src/image/distribution/pull';
import { pushImage } from '../../../src/image/distribution/push';
import { shortId } from '../../../src/image/distribution/progress';
import { parseReference } from '../../../src/image/reference';
import { startRegistry } from '../../../src/registry/server';
import { DOCKER_REGISTRY_BIN, hasDockerRegistry, listFiles, openStore, startDockerRegistry, storeLeftovers, tarOf, tempDir, uploadImage } from './kit';

async function registry(t: TestContext): Promise<{ host: string }> {
  const dir = await tempDir(t, 'reg');
  const r = await startRegistry({ addr: '127.0.0.1:0', data: path.join(dir, 'data') });
  t.after(() => r.close());
  return r;
}

const none = () => undefined;

async function twoLayers(): Promise<Buffer[]> {
  return [await tarOf([{ name: 'etc/hello', body: 'hello\n' }]), await tarOf([{ name: 'data/random', body: randomBytes(256 << 10) }])];
}

test('a pulled gzip layer is kept as the blob it came as; save decompresses it and another store loads the archive', async (t) => {
  const reg = await registry(t);
  const tars = await twoLayers();
  // gzip level 1: bytes no recompression here would reproduce
  const up = await uploadImage(reg.host, 'blobs/img', 'v1', tars, 1);
  const ref = `${reg.host}/blobs/img:v1`;
  const b = await openStore(t);
  const pulled = await pullImage(b.pullDeps, parseReference(ref), { onProgress: none });

  const blobs = (await listFiles(path.join(b.root, 'image', 'blobs'))).map((f) => `sha256:${path.basename(f)}`).sort();
  assert.deepEqual(blobs, [pulled.id, up.manifestDigest, ...up.layerDigests].sort(), 'config, manifest and the two downloaded layers; no uncompressed copy');
  for (const [i, d] of up.layerDigests.entries()) assert.deepEqual(await fs.readFile(b.ctx.blobs.path(d)), gzipSync(tars[i]!, { level: 1 }));

  const out = await tempDir(t, 'save');
  const archive = path.join(out, 'saved.tar');
  await b.images.save([ref], createWriteStream(archive));
  for (const [i, d] of up.diffIds.entries()) {
    assert.deepEqual(execFileSync('tar', ['-xOf', archive, `blobs/sha256/${d.slice(7)}`], { maxBuffer: 8 << 20 }), tars[i], `layer ${i} is the uncompressed tar under its diffId`);
  }

  const c = await openStore(t);
  await c.images.load(createReadStream(archive));
  const loaded = await c.images.resolve(ref);
  assert.equal(loaded.id, pulled.id);
  const top = c.ctx.layers.diffDir(loaded.chainIds[1]!);
  assert.equal((await fs.stat(path.join(top, 'data/random'))).size, 256 << 10);
});

test('a pulled image pushed to another registry goes up as the blobs it came as, under the same manifest digest', async (t) => {
  const src = await registry(t);
  const dst = await registry(t);
  const up = await uploadImage(src.host, 'from/img', 'v1', await twoLayers(), 1);
  const b = await openStore(t);
  await pullImage(b.pullDeps, parseReference(`${src.host}/from/img:v1`), { onProgress: none });
  await b.images.tag(`${src.host}/from/img:v1`, `${dst.host}/to/img`, 'v1');
  const pushed = await pushImage(b.pushDeps, parseReference(`${dst.host}/to/img:v1`), { onProgress: none });
  assert.equal(pushed.digest, up.manifestDigest);
  for (const d of up.layerDigests) assert.equal((await fetch(`http://${dst.host}/v2/to/img/blobs/${d}`, { method: 'HEAD' })).status, 200, d);
  assert.deepEqual(await listFiles(path.join(b.root, 'image', 'tmp')), [], 'no recompressed temp file');
});

test('save refuses a kept blob that no longer decompresses to its diffId', async (t) => {
  const reg = await registry(t);
  const tars = await twoLayers();
  const up = await uploadImage(reg.host, 'bad/img', 'v1', tars, 1);
  const ref = `${reg.host}/bad/img:v1`;
  const b = await openStore(t);
  await pullImage(b.pullDeps, parseReference(ref), { onProgress: none });
  // valid gzip, wrong content: only the diffId check can tell
  await fs.writeFile(b.ctx.blobs.path(up.layerDigests[1]!), gzipSync(await tarOf([{ name: 'data/other', body: 'x' }])));
  const out = await tempDir(t, 'save');
  await assert.rejects(b.images.save([ref], createWriteStream(path.join(out, 'saved.tar'))), { message: new RegExp(`decompresses to sha256:\\w+, not ${up.diffIds[1]}`) });
});

test('a registry killed in the middle of a layer fails the pull and leaves nothing behind', { skip: hasDockerRegistry() ? false : `${DOCKER_REGISTRY_BIN} is not installed` }, async (t) => {
  const { host, child } = await startDockerRegistry(t);
  const small = await tarOf([{ name: 'etc/hello', body: 'hello\n' }]);
  const big = await tarOf([{ name: 'big', body: randomBytes(64 << 20) }]);
  const up = await uploadImage(host, 'kill/img', 'v1', [small, big], 1);
  const s = await openStore(t);
  let killedAt = -1;
  await assert.rejects(
    pullImage(s.pullDeps, parseReference(`${host}/kill/img:v1`), {
      onProgress: (e) => {
        // far more than the socket buffers hold is still on its way when the registry dies
        if (killedAt < 0 && e.type === 'layer' && e.status === 'Downloading' && e.id === shortId(up.layerDigests[1]!)) {
          killedAt = e.current ?? 0;
          child.kill('SIGKILL');
        }
      },
    }),
  );
  assert.ok(killedAt >= 0 && killedAt < big.length / 2, `killed at ${killedAt} bytes`);
  assert.equal(s.ctx.store.all().length, 0);
  assert.equal(s.ctx.layers.all().length, 0);
  assert.deepEqual(await storeLeftovers(s.root), { imageTmp: [], blobs: [], layerDirs: [], layerTmp: [] });
});

test('a layer whose download failed before staging began fails its stage and leaves nothing behind', async (t) => {
  // The race behind a pull that hung: the registry died while the blob's temp file was still being opened, so
  // the error was emitted before anyone listened and the unpack waited for bytes that never came.
  const s = await openStore(t);
  const src = new PassThrough();
  src.on('error', () => undefined); // as pipeline() listens in a pull
  src.destroy(new Error('socket hang up'));
  await new Promise((r) => src.once('close', r));
  const blob = { digest: `sha256:${'0'.repeat(64)}`, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: 10 };
  await assert.rejects(s.pullDeps.ingest.stageLayer(src, { blob }), /socket hang up/);
  const closed = new PassThrough();
  closed.destroy(); // closed with no error and no end: a premature close
  await new Promise((r) => closed.once('close', r));
  await assert.rejects(s.pullDeps.ingest.stageLayer(closed, { blob }), /premature close/i);
  assert.deepEqual(await storeLeftovers(s.root), { imageTmp: [], blobs: [], layerDirs: [], layerTmp: [] });
});

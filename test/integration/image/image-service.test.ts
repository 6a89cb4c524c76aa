/**
 * The image service end to end as root: import a busybox rootfs, list, tag,
 * history, save → rmi → load (same id), overlay mount of layerDirs, an evil
 * tarball leaving the store unchanged, and an OCI layout archive.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { EventBus, type EngineEvent } from '../../../src/base/events';
import { silentLogger } from '../../../src/base/logger';
import { createImageService } from '../../../src/image/index';
import type { ImageService } from '../../../src/image/types';
import { makeBusyboxTar } from '../../kit/busybox';
import { makeTar } from './tar-fixtures';

let root: string;
let images: ImageService;
let busyboxTar: string;
const events: EngineEvent[] = [];
const users = new Map<string, string[]>();
const mounts: string[] = [];

async function open(): Promise<ImageService> {
  const bus = new EventBus();
  bus.subscribe((e) => events.push(e));
  return createImageService({ dataRoot: path.join(root, 'data'), logger: silentLogger, events: bus, usage: (id) => users.get(id) ?? [] });
}

before(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-image-'));
  busyboxTar = await makeBusyboxTar(path.join(root, 'busybox.tar'));
  images = await open();
});

after(async () => {
  for (const m of mounts.reverse()) spawnSync('umount', ['-l', m]);
  await fs.rm(root, { recursive: true, force: true });
});

let bbId = '';

test('import a busybox rootfs with changes', async () => {
  const rec = await images.importRootfs(createReadStream(busyboxTar), { repo: 'bb', tag: 'one', changes: ['CMD ["sh"]', 'ENV A=1 B="two words"', 'EXPOSE 80', 'WORKDIR /root'] });
  bbId = rec.id;
  assert.match(rec.id, /^sha256:[0-9a-f]{64}$/);
  assert.deepEqual(rec.repoTags, ['bb:one']);
  assert.deepEqual(rec.config.config?.Cmd, ['sh']);
  assert.deepEqual(rec.config.config?.Env, ['A=1', 'B=two words']);
  assert.equal(rec.config.config?.WorkingDir, '/root');
  assert.equal(rec.config.history?.[0]?.comment, 'Imported from -');
  assert.ok(rec.size > 500_000);
  assert.ok(events.some((e) => e.action === 'import' && e.id === rec.id));
  // the id is the digest of the stored config blob
  const blob = await fs.readFile(path.join(root, 'data/image/blobs/sha256', rec.id.slice(7)));
  assert.equal('sha256:' + createHash('sha256').update(blob).digest('hex'), rec.id);
});

test('tag, list with filters, resolve by short id', async () => {
  await images.tag('bb:one', 'localhost:5000/rec/bb', '2');
  await images.tag(bbId.slice(7, 19), 'bb');
  const rec = await images.resolve(bbId.slice(7, 19));
  assert.deepEqual([...rec.repoTags].sort(), ['bb:latest', 'bb:one', 'localhost:5000/rec/bb:2']);
  const all = await images.list();
  assert.equal(all.length, 1);
  assert.deepEqual((await images.list({ filters: { reference: ['bb'] } })).length, 1);
  assert.deepEqual((await images.list({ filters: { reference: ['nope*'] } })).length, 0);
  assert.deepEqual((await images.list({ filters: { dangling: ['true'] } })).length, 0);
  assert.ok(events.some((e) => e.action === 'tag' && e.attributes['name'] === 'localhost:5000/rec/bb:2'));
  await assert.rejects(images.resolve('missing:1'), /No such image: missing:1/);
});

test('history shows the import entry for the top layer', async () => {
  const h = await images.history('bb');
  assert.equal(h.length, 1);
  assert.equal(h[0]!.id, bbId);
  assert.equal(h[0]!.comment, 'Imported from -');
  assert.ok(h[0]!.size > 500_000);
});

test('the layerDirs mount read-only with overlayfs and hold /bin/busybox', async () => {
  const dirs = await images.layerDirs(bbId);
  assert.equal(dirs.length, 1);
  const mnt = path.join(root, 'mnt');
  await fs.mkdir(mnt);
  // overlayfs needs two lowerdirs when there is no upperdir
  const empty = path.join(root, 'empty-lower');
  await fs.mkdir(empty);
  execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `ro,lowerdir=${[...dirs, empty].join(':')}`, mnt]);
  mounts.push(mnt);
  try {
    assert.ok(existsSync(path.join(mnt, 'bin/busybox')));
    assert.equal(await fs.readlink(path.join(mnt, 'bin/sh')), 'busybox');
  } finally {
    execFileSync('umount', [mnt]);
    mounts.pop();
  }
});

test('rmi refuses a used image, then untags one tag at a time', async () => {
  users.set(bbId, ['c'.repeat(64)]);
  await assert.rejects(images.remove(bbId.slice(7, 19), {}), /conflict: unable to delete [0-9a-f]{12} \(must be forced\) - image is referenced in multiple repositories/);
  assert.deepEqual(await images.remove('bb:one', {}), [{ untagged: 'bb:one' }]);
  users.delete(bbId);
});

test('save → rmi → load gives the same id and tags', async () => {
  const archive = path.join(root, 'saved.tar');
  await images.save(['bb:latest', 'localhost:5000/rec/bb:2'], createWriteStream(archive));
  const names = execFileSync('tar', ['-tf', archive]).toString().split('\n').filter(Boolean);
  assert.ok(names.includes('manifest.json') && names.includes('repositories'));
  assert.ok(names.some((n) => /^[0-9a-f]{64}\/layer\.tar$/.test(n)));
  assert.ok(names.includes(`${bbId.slice(7)}.json`));
  assert.ok(names.includes('index.json') && names.includes('oci-layout'));
  const manifest = JSON.parse(execFileSync('tar', ['-xOf', archive, 'manifest.json']).toString()) as Array<{ RepoTags: string[] }>;
  assert.deepEqual(manifest[0]!.RepoTags.sort(), ['bb:latest', 'localhost:5000/rec/bb:2']);
  // the same archive read as a plain OCI layout (what Docker 25+ and skopeo oci-archive see)
  const ociOnly = path.join(root, 'saved-oci');
  await fs.mkdir(ociOnly);
  execFileSync('tar', ['-C', ociOnly, '-xf', archive]);
  await fs.rm(path.join(ociOnly, 'manifest.json'));
  const ociArchive = path.join(root, 'saved-oci.tar');
  execFileSync('tar', ['-C', ociOnly, '-cf', ociArchive, '.']);

  const removed = await images.remove(bbId, { force: true });
  assert.ok(removed.some((i) => i.deleted === bbId));
  assert.equal((await images.list()).length, 0);
  assert.deepEqual((await fs.readdir(path.join(root, 'data/layers'))).filter((n) => n !== 'tmp'), []);

  const lines = await images.load(createReadStream(archive));
  assert.deepEqual(lines.sort(), ['Loaded image: bb:latest', 'Loaded image: localhost:5000/rec/bb:2']);
  const rec = await images.resolve('bb');
  assert.equal(rec.id, bbId);
  assert.ok(existsSync(path.join((await images.layerDirs(bbId))[0]!, 'bin/busybox')));

  await images.remove(bbId, { force: true });
  assert.deepEqual((await images.load(createReadStream(ociArchive))).sort(), ['Loaded image: bb:latest', 'Loaded image: localhost:5000/rec/bb:2']);
  assert.equal((await images.resolve('bb')).id, bbId);
});

test('saving by id names no tags; saving a bare repository name takes all its tags', async () => {
  const tagsIn = async (refs: string[]) => {
    const archive = path.join(root, 'sel.tar');
    await images.save(refs, createWriteStream(archive));
    return (JSON.parse(execFileSync('tar', ['-xOf', archive, 'manifest.json']).toString()) as Array<{ RepoTags: string[] | null }>).map((m) => m.RepoTags);
  };
  assert.deepEqual(await tagsIn([bbId.slice(7, 19)]), [null]);
  assert.deepEqual(await tagsIn(['localhost:5000/rec/bb']), [['localhost:5000/rec/bb:2']]);
  assert.deepEqual(await tagsIn(['bb:latest']), [['bb:latest']]);
});

test('a restarted service sees the same images and layers', async () => {
  const again = await open();
  assert.equal((await again.resolve('bb')).id, bbId);
  assert.equal((await again.layerDirs(bbId)).length, 1);
});

test('an evil tarball is refused on import and leaves the store unchanged', async () => {
  const snapshot = async () => ({
    images: (await images.list()).map((i) => i.id),
    layers: (await fs.readdir(path.join(root, 'data/layers'))).sort(),
    tmp: await fs.readdir(path.join(root, 'data/layers/tmp')),
  });
  const beforeState = await snapshot();
  const evil = await makeTar([
    { name: 'x', type: 'symlink', linkname: '/tmp' },
    { name: 'x/berth-evil', type: 'file', body: 'pwned' },
  ]);
  await assert.rejects(images.importRootfs(Readable.from([evil]), { repo: 'evil' }), (e: Error & { kind?: string }) => e.kind === 'InvalidArgument');
  assert.equal(existsSync('/tmp/berth-evil'), false);
  assert.deepEqual(await snapshot(), beforeState);
  await assert.rejects(images.resolve('evil'), /No such image/);
});

test('load an OCI image layout archive with a gzip layer, named by annotation', async () => {
  const layout = path.join(root, 'oci');
  const blobs = path.join(layout, 'blobs/sha256');
  await fs.mkdir(blobs, { recursive: true });
  const put = async (data: Buffer) => {
    const hex = createHash('sha256').update(data).digest('hex');
    await fs.writeFile(path.join(blobs, hex), data);
    return { digest: `sha256:${hex}`, size: data.length };
  };
  const layerTar = await makeTar([{ name: 'hello.txt', type: 'file', body: 'from an OCI layout\n' }]);
  const diffId = 'sha256:' + createHash('sha256').update(layerTar).digest('hex');
  const layer = await put(gzipSync(layerTar));
  const config = await put(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['cat', '/hello.txt'] }, rootfs: { type: 'layers', diff_ids: [diffId] }, history: [{ created_by: 'test' }] })));
  const manifest = await put(Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
  })));
  await fs.writeFile(path.join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await fs.writeFile(path.join(layout, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'io.containerd.image.name': 'docker.io/library/ocitest:v1', 'org.opencontainers.image.ref.name': 'v1' } }],
  }));
  const archive = path.join(root, 'oci.tar');
  execFileSync('tar', ['-C', layout, '-cf', archive, '.']);
  const lines = await images.load(createReadStream(archive));
  assert.deepEqual(lines, ['Loaded image: ocitest:v1']);
  const rec = await images.resolve('ocitest:v1');
  assert.equal(rec.id, config.digest);
  const dirs = await images.layerDirs(rec.id);
  assert.equal(await fs.readFile(path.join(dirs[0]!, 'hello.txt'), 'utf8'), 'from an OCI layout\n');
});

test('prune removes dangling images only; rmi of the last tag deletes image and layers', async () => {
  // make a dangling image: import, then move its tag away
  const small = await makeTar([{ name: 'f', type: 'file', body: 'dangling' }]);
  const d = await images.importRootfs(Readable.from([small]), { repo: 'tmpimg' });
  await images.tag('bb', 'tmpimg');
  const r = await images.prune({ dangling: true });
  assert.ok(r.deleted.some((i) => i.deleted === d.id));
  assert.ok(r.spaceReclaimed > 0);
  await assert.rejects(images.resolve(d.id), /No such image/);
  const items = await images.remove('ocitest:v1', {});
  assert.deepEqual(items[0], { untagged: 'ocitest:v1' });
  assert.ok(items.some((i) => i.deleted?.startsWith('sha256:')));
  const stream = Readable.from([gzipSync(small)]);
  assert.ok(await images.importRootfs(stream, {}));
});

/**
 * Loading hand-made archives (pre-25 docker-save with real files and gzip
 * layers sharing a base; a corrupt layer) and rmi's Docker semantics.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { EventBus, type EngineEvent } from '../../../src/base/events';
import { silentLogger } from '../../../src/base/logger';
import { createImageService } from '../../../src/image/index';
import type { ImageService } from '../../../src/image/types';
import { makeTar } from './tar-fixtures';

let root: string;
let images: ImageService;
const users = new Map<string, string[]>();
const events: EngineEvent[] = [];
const digest = (b: Buffer) => 'sha256:' + createHash('sha256').update(b).digest('hex');

before(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-load-'));
  const bus = new EventBus();
  bus.subscribe((e) => events.push(e));
  images = await createImageService({ dataRoot: path.join(root, 'data'), logger: silentLogger, events: bus, usage: (id) => users.get(id) ?? [] });
});

after(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

let base: Buffer;
let upper: Buffer;
let cfgA: Buffer;
let cfgB: Buffer;

async function legacyArchive(corruptUpper = false): Promise<Buffer> {
  base = await makeTar([{ name: 'etc/', type: 'directory', mode: 0o755 }, { name: 'etc/os-release', type: 'file', body: 'base\n' }]);
  upper = await makeTar([{ name: 'etc/.wh.os-release', type: 'file' }, { name: 'app', type: 'file', body: 'app\n', mode: 0o755 }]);
  const cfg = (diffs: Buffer[], label: string) =>
    Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', created: '2024-01-01T00:00:00Z', config: { Labels: { which: label } }, rootfs: { type: 'layers', diff_ids: diffs.map(digest) }, history: diffs.map(() => ({ created_by: label })) }));
  cfgA = cfg([base], 'a');
  cfgB = cfg([base, upper], 'b');
  const upperBytes = corruptUpper ? Buffer.concat([upper.subarray(0, 600), Buffer.from('tampered'), upper.subarray(608)]) : upper;
  return makeTar([
    { name: 'l1/', type: 'directory' },
    { name: 'l1/layer.tar', type: 'file', body: gzipSync(base) },
    { name: 'l2/', type: 'directory' },
    { name: 'l2/layer.tar', type: 'file', body: upperBytes },
    { name: `${digest(cfgA).slice(7)}.json`, type: 'file', body: cfgA },
    { name: `${digest(cfgB).slice(7)}.json`, type: 'file', body: cfgB },
    {
      name: 'manifest.json',
      type: 'file',
      body: JSON.stringify([
        { Config: `${digest(cfgA).slice(7)}.json`, RepoTags: ['base:1'], Layers: ['l1/layer.tar'] },
        { Config: `${digest(cfgB).slice(7)}.json`, RepoTags: null, Layers: ['l1/layer.tar', 'l2/layer.tar'] },
      ]),
    },
  ]);
}

test('a corrupt layer is refused; the image before it stays loaded (as in Docker), no half layer remains', async () => {
  await assert.rejects(images.load(Readable.from([await legacyArchive(true)])), /layer digest mismatch|invalid tar|Unexpected|header/i);
  assert.deepEqual((await images.list()).map((i) => i.repoTags), [['base:1']]);
  assert.deepEqual(await fs.readdir(path.join(root, 'data/layers/tmp')), []);
  assert.equal((await fs.readdir(path.join(root, 'data/layers'))).filter((n) => n !== 'tmp').length, 1);
});

test('a pre-25 docker-save archive loads: tags, ids from the config bytes, a shared base layer', async () => {
  const lines = await images.load(Readable.from([gzipSync(await legacyArchive())]));
  assert.deepEqual(lines, ['Loaded image: base:1', `Loaded image ID: ${digest(cfgB)}`]);
  const a = await images.resolve('base:1');
  const b = await images.resolve(digest(cfgB));
  assert.equal(a.id, digest(cfgA));
  assert.equal(b.chainIds[0], a.chainIds[0]);
  const dirs = await images.layerDirs(b.id);
  assert.equal(dirs.length, 2);
  assert.ok((await fs.lstat(path.join(dirs[0]!, 'etc/os-release'))).isCharacterDevice());
  assert.equal(await fs.readFile(path.join(dirs[1]!, 'etc/os-release'), 'utf8'), 'base\n');
  assert.ok(events.some((e) => e.action === 'load' && e.id === a.id));
});

test('a used image: the last reference cannot be removed without force, and force only untags', async () => {
  const a = await images.resolve('base:1');
  users.set(a.id, ['f'.repeat(64)]);
  await assert.rejects(images.remove('base:1', {}), (e: Error & { kind?: string }) =>
    e.kind === 'Conflict' && e.message === `conflict: unable to remove repository reference "base:1" (must force) - container ffffffffffff is using its referenced image ${a.id.slice(7, 19)}`);
  await assert.rejects(images.remove(a.id, {}), /conflict: unable to delete [0-9a-f]{12} \(must be forced\) - image is being used by stopped container ffffffffffff/);
  assert.deepEqual(await images.remove('base:1', { force: true }), [{ untagged: 'base:1' }]);
  assert.equal((await images.resolve(a.id)).id, a.id);
  users.delete(a.id);
});

test('rmi by id deletes the image; shared layers stay until their last image goes', async () => {
  const a = digest(cfgA);
  const b = await images.resolve(digest(cfgB));
  await images.tag(a, 'x', '1');
  await images.tag(a, 'x', '2');
  const items = await images.remove(a.slice(7, 19), {});
  assert.deepEqual(items, [{ untagged: 'x:1' }, { untagged: 'x:2' }, { deleted: a }]);
  assert.equal((await images.layerDirs(b.id)).length, 2);
  const last = await images.remove(b.id, {});
  assert.deepEqual(last, [{ deleted: b.id }, { deleted: b.chainIds[1] }, { deleted: b.chainIds[0] }]);
  assert.deepEqual((await fs.readdir(path.join(root, 'data/layers'))).filter((n) => n !== 'tmp'), []);
  assert.deepEqual(await fs.readdir(path.join(root, 'data/image/blobs/sha256')), []);
});

test('tags with a digest and bad names are refused', async () => {
  await assert.rejects(images.tag('nope', 'x'), /No such image: nope/);
});

test('garbage and archives without manifest.json or index.json are InvalidArgument', async () => {
  const isBad = (e: Error & { kind?: string }) => e.kind === 'InvalidArgument' && /invalid archive/.test(e.message);
  await assert.rejects(images.load(Readable.from([Buffer.from('this is not a tar archive at all'.repeat(40))])), isBad);
  await assert.rejects(images.load(Readable.from([await makeTar([{ name: 'hello', type: 'file', body: 'x' }])])), isBad);
});

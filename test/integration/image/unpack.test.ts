/** Layer unpacking as root, on the real filesystem: whiteouts, links, devices, metadata and refusals. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { silentLogger } from '../../../src/base/logger';
import { LayerStore } from '../../../src/layer/layer-store';
import { makeTar } from './tar-fixtures';

let root: string;
let outside: string;
let store: LayerStore;

before(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-layer-'));
  outside = path.join(root, 'outside');
  await fs.mkdir(outside);
  store = await LayerStore.open(path.join(root, 'data'), { logger: silentLogger });
});

after(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const fromBuf = (b: Buffer) => Readable.from([b]);

/** Node has no getxattr; python's os.getxattr does not follow symlinks with follow_symlinks=False. */
function getXattr(file: string, name: string): string {
  return execFileSync('python3', ['-c', 'import os,sys;sys.stdout.buffer.write(os.getxattr(sys.argv[1],sys.argv[2],follow_symlinks=False))', file, name]).toString();
}

async function tmpLeftovers(): Promise<string[]> {
  return fs.readdir(path.join(root, 'data', 'layers', 'tmp'));
}

test('whiteouts become 0/0 char devices and opaque dirs get trusted.overlay.opaque', async () => {
  const tar = await makeTar([
    { name: 'etc/', type: 'directory', mode: 0o755 },
    { name: 'etc/.wh.hosts', type: 'file', uid: 7, gid: 8 },
    { name: 'var/', type: 'directory', mode: 0o755 },
    { name: 'var/.wh..wh..opq', type: 'file' },
  ]);
  const l = await store.register(fromBuf(tar), null);
  const dir = store.diffDir(l.chainId);
  const st = await fs.lstat(path.join(dir, 'etc/hosts'));
  assert.ok(st.isCharacterDevice());
  assert.equal(st.rdev, 0);
  assert.equal(st.uid, 7);
  assert.equal(existsSync(path.join(dir, 'etc/.wh.hosts')), false);
  const x = getXattr(path.join(dir, 'var'), 'trusted.overlay.opaque');
  assert.equal(x, 'y');
});

test('hard links share an inode; device nodes, fifos, setuid, owners, mtimes and PAX xattrs are kept', async () => {
  const tar = await makeTar([
    { name: 'bin/', type: 'directory', mode: 0o755, mtime: new Date(1_500_000_000_000) },
    { name: 'bin/tool', type: 'file', mode: 0o4755, uid: 1000, gid: 1000, body: 'x', pax: { 'SCHILY.xattr.user.berth': 'yes' } },
    { name: 'bin/tool2', type: 'link', linkname: 'bin/tool' },
    { name: 'dev/null', type: 'character-device', mode: 0o666, devmajor: 1, devminor: 3 },
    { name: 'dev/sda', type: 'block-device', mode: 0o660, devmajor: 8, devminor: 0, gid: 6 },
    { name: 'run/fifo', type: 'fifo', mode: 0o600 },
    { name: 'lnk', type: 'symlink', linkname: '/etc/passwd' },
  ]);
  const l = await store.register(fromBuf(gzipSync(tar)), null);
  const d = store.diffDir(l.chainId);
  const a = await fs.stat(path.join(d, 'bin/tool'));
  const b = await fs.stat(path.join(d, 'bin/tool2'));
  assert.equal(a.ino, b.ino);
  assert.equal(a.mode & 0o7777, 0o4755);
  assert.equal(a.uid, 1000);
  assert.equal(a.mtimeMs, 1_600_000_000_000);
  assert.equal((await fs.stat(path.join(d, 'bin'))).mtimeMs, 1_500_000_000_000);
  const nul = await fs.lstat(path.join(d, 'dev/null'));
  assert.ok(nul.isCharacterDevice());
  assert.equal(nul.rdev, (1 << 8) | 3);
  assert.equal(nul.mode & 0o7777, 0o666);
  const sda = await fs.lstat(path.join(d, 'dev/sda'));
  assert.ok(sda.isBlockDevice());
  assert.equal(sda.gid, 6);
  assert.ok((await fs.lstat(path.join(d, 'run/fifo'))).isFIFO());
  assert.equal(await fs.readlink(path.join(d, 'lnk')), '/etc/passwd');
  assert.equal(getXattr(path.join(d, 'bin/tool'), 'user.berth'), 'yes');
  assert.equal(l.size, 1);
});

test('the diffId is the sha256 of the uncompressed tar, and chain ids follow the OCI rule', async () => {
  const tar = await makeTar([{ name: 'a', type: 'file', body: 'a' }]);
  const want = 'sha256:' + (await import('node:crypto')).createHash('sha256').update(tar).digest('hex');
  const base = await store.register(fromBuf(gzipSync(tar)), null);
  assert.equal(base.diffId, want);
  assert.equal(base.chainId, want);
  const upper = await store.register(fromBuf(await makeTar([{ name: 'b', type: 'file', body: 'b' }])), base.chainId);
  assert.notEqual(upper.chainId, upper.diffId);
  assert.deepEqual(store.lowerDirs([base.chainId, upper.chainId]), [store.diffDir(upper.chainId), store.diffDir(base.chainId)]);
});

const evil: Array<[string, Parameters<typeof makeTar>[0]]> = [
  ['a ".." entry', [{ name: '../escaped', type: 'file', body: 'x' }]],
  ['a path through a symlink', [
    { name: 'out', type: 'symlink', linkname: '__OUTSIDE__' },
    { name: 'out/pwned', type: 'file', body: 'x' },
  ]],
  ['a whiteout through a symlink', [
    { name: 'out', type: 'symlink', linkname: '__OUTSIDE__' },
    { name: 'out/.wh.victim', type: 'file' },
  ]],
  ['a hard link to a file outside', [{ name: 'pw', type: 'link', linkname: '../../../../../../etc/passwd' }]],
  ['a hard link through a symlink', [
    { name: 'etc', type: 'symlink', linkname: '/etc' },
    { name: 'pw', type: 'link', linkname: 'etc/passwd' },
  ]],
];

for (const [what, entries] of evil) {
  test(`refuses ${what}, writes nothing outside and leaves no temp dir`, async () => {
    const fixed = entries.map((e) => (e.linkname === '__OUTSIDE__' ? { ...e, linkname: outside } : e));
    const tar = await makeTar([{ name: 'ok', type: 'file', body: 'fine' }, ...fixed]);
    const before = store.all().length;
    await assert.rejects(store.register(fromBuf(tar), null), (e: Error & { kind?: string }) => e.kind === 'InvalidArgument' && /invalid tar entry/.test(e.message));
    assert.deepEqual(await fs.readdir(outside), []);
    assert.equal(existsSync(path.join(root, 'data', 'escaped')), false);
    assert.deepEqual(await tmpLeftovers(), []);
    assert.equal(store.all().length, before);
  });
}

test('an absolute entry name lands inside the layer', async () => {
  const l = await store.register(fromBuf(await makeTar([{ name: '/abs/file', type: 'file', body: 'z' }])), null);
  assert.equal(await fs.readFile(path.join(store.diffDir(l.chainId), 'abs/file'), 'utf8'), 'z');
});

test('zstd layers unpack (when the zstd tool is there to make one)', { skip: !existsSync('/usr/bin/zstd') }, async () => {
  const tar = await makeTar([{ name: 'z', type: 'file', body: 'zstd!' }]);
  const z = execFileSync('zstd', ['-q', '-c'], { input: tar });
  const l = await store.register(fromBuf(z), null);
  assert.equal(await fs.readFile(path.join(store.diffDir(l.chainId), 'z'), 'utf8'), 'zstd!');
});

test('boot repair removes half-unpacked temp dirs and layers without metadata', async () => {
  const layers = path.join(root, 'data', 'layers');
  await fs.mkdir(path.join(layers, 'tmp', 'unpack-dead', 'diff'), { recursive: true });
  await fs.mkdir(path.join(layers, 'f'.repeat(64), 'diff'), { recursive: true });
  const reopened = await LayerStore.open(path.join(root, 'data'), { logger: silentLogger });
  assert.deepEqual(await fs.readdir(path.join(layers, 'tmp')), []);
  assert.equal(existsSync(path.join(layers, 'f'.repeat(64))), false);
  assert.equal(reopened.all().length, store.all().length);
});

test('release deletes a layer once nobody retains it, children first', async () => {
  const s = await LayerStore.open(path.join(root, 'data2'), { logger: silentLogger });
  const a = await s.register(fromBuf(await makeTar([{ name: 'a', type: 'file', body: '1' }])), null);
  const b = await s.register(fromBuf(await makeTar([{ name: 'b', type: 'file', body: '2' }])), a.chainId);
  s.retain([a.chainId, b.chainId]);
  s.retain([a.chainId]);
  assert.deepEqual((await s.release([a.chainId, b.chainId])).map((l) => l.chainId), [b.chainId]);
  assert.equal(s.has(a.chainId), true);
  assert.deepEqual((await s.release([a.chainId])).map((l) => l.chainId), [a.chainId]);
  assert.equal(s.all().length, 0);
});

test('a hard link may name a file of a lower layer, unless a layer between whited it out', async () => {
  const s = await LayerStore.open(path.join(root, 'data3'), { logger: silentLogger });
  const base = await s.register(fromBuf(await makeTar([{ name: 'bin/', type: 'directory' }, { name: 'bin/tool', type: 'file', body: 'tool' }, { name: 'gone', type: 'file', body: 'g' }])), null);
  const mid = await s.register(fromBuf(await makeTar([{ name: '.wh.gone', type: 'file' }])), base.chainId);
  const top = await s.register(fromBuf(await makeTar([{ name: 'usr/tool', type: 'link', linkname: 'bin/tool' }])), mid.chainId);
  assert.equal(await fs.readFile(path.join(s.diffDir(top.chainId), 'usr/tool'), 'utf8'), 'tool');
  await assert.rejects(s.register(fromBuf(await makeTar([{ name: 'again', type: 'link', linkname: 'gone' }])), mid.chainId), /does not exist in the layer/);
});

test('a pinned layer survives a release until it is unpinned', async () => {
  const s = await LayerStore.open(path.join(root, 'data4'), { logger: silentLogger });
  const a = await s.register(fromBuf(await makeTar([{ name: 'p', type: 'file', body: 'p' }])), null, { pin: true });
  s.retain([a.chainId]);
  assert.deepEqual(await s.release([a.chainId]), []);
  assert.equal(s.has(a.chainId), true);
  s.unpin(a.chainId);
  assert.equal((await s.removeUnreferenced()).length, 1);
});

test('a stream that failed or closed before the unpack listened is refused, not waited on forever', async () => {
  const failed = new Readable({ read() {} });
  failed.on('error', () => undefined);
  failed.destroy(new Error('connection reset'));
  await assert.rejects(store.register(failed, null), { message: 'connection reset' });
  const closed = new Readable({ read() {} });
  closed.destroy();
  await assert.rejects(store.register(closed, null), { message: 'layer stream closed before its end' });
  const aborted = new AbortController();
  aborted.abort();
  await assert.rejects(store.register(fromBuf(await makeTar([{ name: 'a', type: 'file', body: '1' }])), null, { signal: aborted.signal }), { message: 'aborted' });
  assert.deepEqual(await tmpLeftovers(), []);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBind, parseMountRequest, resolveMountPoints, resolveUserMountPoints, withAnonymousVolumes } from './mounts';
import type { MountPoint } from './types';

test('-v name:/dst is a volume shown with dockerd\'s default mode "z"; :ro and :rw as given', () => {
  assert.deepEqual(parseBind('recvol:/data'), { type: 'volume', name: 'recvol', source: '', destination: '/data', mode: 'z', rw: true, propagation: '', copyData: true, anonymous: false });
  const ro = parseBind('recvol:/data:ro');
  assert.equal(ro.rw, false);
  assert.equal(ro.mode, 'ro');
  assert.equal(parseBind('recproj_webdata:/data:rw').mode, 'rw');
  assert.equal(parseBind('v1:/d:nocopy').copyData, false);
});

test('-v /host:/dst is a bind with rprivate propagation unless a propagation mode is given', () => {
  assert.deepEqual(parseBind('/tmp/x/:/b'), { type: 'bind', name: '', source: '/tmp/x', destination: '/b', mode: '', rw: true, propagation: 'rprivate', copyData: false, anonymous: false });
  const b = parseBind('/tmp/x:/b:ro,rshared');
  assert.equal(b.rw, false);
  assert.equal(b.propagation, 'rshared');
});

test('malformed -v specs are refused with Docker\'s messages', () => {
  assert.throws(() => parseBind('/dst:ro'), /invalid volume specification: '\/dst:ro'/);
  assert.throws(() => parseBind('a:/b:ro:x'), /invalid volume specification/);
  assert.throws(() => parseBind('a::/b'), /invalid volume specification/);
  assert.throws(() => parseBind('vol:/b:bogus'), /invalid mode: bogus/);
  assert.throws(() => parseBind('vol:/b:ro,rw'), /invalid mode: ro,rw/);
  assert.throws(() => parseBind('vol:rel'), /invalid mount path: 'rel' mount path must be absolute/);
  assert.throws(() => parseBind('vol:/'), /destination can't be '\/'/);
  assert.throws(() => parseBind('vol:/d:rshared'), /invalid mode: rshared/);
});

test('--mount entries follow validateMountConfig', () => {
  assert.equal(parseMountRequest({ type: 'volume', source: 'v', target: '/m', readOnly: true }).mode, 'z');
  assert.equal(parseMountRequest({ type: 'volume', source: '', target: '/m', readOnly: false }).anonymous, true);
  assert.equal(parseMountRequest({ type: 'volume', source: 'v', target: '/m', readOnly: false, options: ['nocopy'] }).copyData, false);
  assert.throws(() => parseMountRequest({ type: 'bind', source: '', target: '/m', readOnly: false }), /invalid mount config for type "bind": field Source must not be empty/);
  assert.throws(() => parseMountRequest({ type: 'bind', source: 'rel', target: '/m', readOnly: false }), /mount path must be absolute/);
  assert.throws(() => parseMountRequest({ type: 'tmpfs', source: 'x', target: '/m', readOnly: false }), /field Source must be empty/);
  assert.deepEqual(parseMountRequest({ type: 'tmpfs', source: '', target: '/t', readOnly: false, options: ['size=1024'] }).options, ['size=1024']);
});

test('resolve: binds replace volumes-from, image volumes fill only free destinations, duplicates are refused', () => {
  const fromOther: MountPoint = { type: 'volume', name: 'shared', source: '/v/shared/_data', destination: '/data', mode: 'z', rw: true, propagation: '', copyData: true, anonymous: false };
  const fromAnon: MountPoint = { ...fromOther, name: 'a'.repeat(64), destination: '/anon', anonymous: true };
  const mps = resolveMountPoints({
    binds: ['/host:/data'],
    mounts: [{ type: 'volume', source: 'm', target: '/m', readOnly: false }],
    volumes: ['/m', '/img/'],
    volumesFrom: [{ mountPoints: [fromOther, fromAnon], mode: 'ro' }],
  });
  const by = new Map(mps.map((m) => [m.destination, m]));
  assert.equal(by.get('/data')!.type, 'bind');
  assert.equal(by.get('/anon')!.rw, false, ':ro applies to volumes-from mounts');
  assert.equal(by.get('/anon')!.anonymous, true, 'volumes-from keeps the anonymous mark');
  assert.equal(by.get('/m')!.name, 'm', 'an image VOLUME under an explicit mount is skipped');
  assert.deepEqual(by.get('/img'), { type: 'volume', name: '', source: '', destination: '/img', mode: '', rw: true, propagation: '', copyData: true, anonymous: true });
  assert.equal(mps.length, 4);
  assert.throws(() => resolveMountPoints({ binds: ['a1:/x'], mounts: [{ type: 'volume', source: 'b1', target: '/x/', readOnly: false }], volumes: [], volumesFrom: [] }), /Duplicate mount point: \/x/);
  assert.throws(() => resolveMountPoints({ binds: ['a1:/x', '/h:/x'], mounts: [], volumes: [], volumesFrom: [] }), /Duplicate mount point: \/x/);
});

test('--volumes-from copies show no mode, never copy up, and ":rw" cannot make a read-only mount writable', () => {
  const ro: MountPoint = { type: 'volume', name: 'v1', source: '/s', destination: '/d', mode: 'ro', rw: false, propagation: '', copyData: true, anonymous: false };
  const [m] = resolveMountPoints({ binds: [], mounts: [], volumes: [], volumesFrom: [{ mountPoints: [ro], mode: 'rw' }] });
  assert.deepEqual(m, { ...ro, mode: '', copyData: false, rw: false });
  const tmpfs: MountPoint = { ...ro, type: 'tmpfs', name: '', destination: '/t' };
  assert.equal(resolveMountPoints({ binds: [], mounts: [], volumes: [], volumesFrom: [{ mountPoints: [tmpfs], mode: '' }] }).length, 0, 'tmpfs mounts are not shared');
});

test('a tmpfs at an anonymous volume\'s path replaces it (Config.Volumes and image VOLUME)', () => {
  const mps = resolveMountPoints({ binds: [], mounts: [], volumes: ['/foo', '/bar/', '/keep'], volumesFrom: [], tmpfs: ['/foo', '/bar'] });
  assert.deepEqual(mps.map((m) => m.destination), ['/keep']);
});

test('--mount type=image: the reference is its Name, always read-only, rprivate; dockerd\'s refusals', () => {
  assert.deepEqual(parseMountRequest({ type: 'image', source: 'alpine:3', target: '/mnt/', readOnly: false, imageSubpath: 'etc/./apk' }), {
    type: 'image', name: 'alpine:3', source: '', destination: '/mnt', mode: '', rw: false, propagation: 'rprivate', copyData: false, anonymous: false, subpath: 'etc/apk',
  });
  assert.equal(parseMountRequest({ type: 'image', source: 'a', target: '/m', readOnly: false, imageSubpath: 'x/..' }).subpath, undefined, 'the image root');
  assert.throws(() => parseMountRequest({ type: 'image', source: '', target: '/m', readOnly: true }), /invalid mount config for type "image": field Source must not be empty/);
  for (const sub of ['/etc', '..', '../x', 'a/../../x']) {
    assert.throws(() => parseMountRequest({ type: 'image', source: 'a', target: '/m', readOnly: true, imageSubpath: sub }), /invalid mount config for type "image": subpath must be a relative path within the volume/, sub);
  }
  const img: MountPoint = { type: 'image', name: 'a', source: '/c/image-mounts/x', destination: '/i', mode: '', rw: false, propagation: 'rprivate', copyData: false, anonymous: false, imageId: 'sha256:1' };
  assert.equal(resolveMountPoints({ binds: [], mounts: [], volumes: [], volumesFrom: [{ mountPoints: [img], mode: '' }] }).length, 0, 'another container\'s image mount is its own');
});

test('the user\'s mounts resolve without the image; its VOLUMEs are added after, where nothing is mounted, in order', () => {
  const user = resolveUserMountPoints({ binds: ['v1:/a', '/h:/b'], mounts: [{ type: 'tmpfs', source: '', target: '/c', readOnly: false }], volumesFrom: [] });
  assert.deepEqual(user.map((m) => m.destination), ['/a', '/b', '/c']);
  const all = withAnonymousVolumes(user, ['/b', '/d/', '/e', '/c'], ['/e']);
  assert.deepEqual(all.map((m) => [m.destination, m.type, m.anonymous]), [['/a', 'volume', false], ['/b', 'bind', false], ['/c', 'tmpfs', false], ['/d', 'volume', true]]);
  assert.equal(all[0], user[0], 'the checked entries themselves, not copies');
  assert.equal(user.length, 3, 'the checked list is left as it was');
});

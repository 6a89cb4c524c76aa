import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toVolumeWire, translateVolumeCreate } from './volume';

test('a volume goes out in dockerd 20.10\'s shape: null Labels/Options when empty, keys as recorded', () => {
  const w = toVolumeWire({ name: 'recvol', driver: 'local', labels: {}, options: {}, createdAt: '2026-11-28T04:10:46Z', anonymous: false, mountpoint: '/var/lib/berth/volumes/recvol/_data', scope: 'local' });
  // recorded: {"CreatedAt":…,"Driver":"local","Labels":null,"Mountpoint":…,"Name":"recvol","Options":null,"Scope":"local"}
  assert.deepEqual(Object.keys(w), ['CreatedAt', 'Driver', 'Labels', 'Mountpoint', 'Name', 'Options', 'Scope']);
  assert.equal(w.Labels, null);
  assert.equal(w.Options, null);
  const l = toVolumeWire({ name: 'rectmp', driver: 'local', labels: { rec: '1' }, options: { type: 'tmpfs', device: 'tmpfs', o: 'size=10m' }, createdAt: 'x', anonymous: false, mountpoint: 'm', scope: 'local' });
  assert.deepEqual(l.Labels, { rec: '1' });
  assert.deepEqual(l.Options, { type: 'tmpfs', device: 'tmpfs', o: 'size=10m' });
});

test('create bodies of the CLI, compose and dockerode translate; wrong types are 400s', () => {
  assert.deepEqual(translateVolumeCreate({ Driver: 'local', Name: 'recvol' }), { name: 'recvol', driver: 'local' });
  assert.deepEqual(translateVolumeCreate({ Driver: 'local', DriverOpts: { device: 'tmpfs', o: 'size=10m', type: 'tmpfs' }, Labels: { rec: '1' }, Name: 'rectmp' }), {
    name: 'rectmp', driver: 'local', labels: { rec: '1' }, options: { device: 'tmpfs', o: 'size=10m', type: 'tmpfs' },
  });
  assert.deepEqual(translateVolumeCreate(undefined), {});
  assert.throws(() => translateVolumeCreate({ Labels: ['x'] as unknown as Record<string, string> }), (e: Error & { kind?: string }) => e.kind === 'InvalidArgument');
});

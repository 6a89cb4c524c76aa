import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerIdsOf, validateUsernsMode } from './userns';
import { defaultHostSpec } from './spec';
import type { UsernsRemap } from '../platform/idmap';

const maps = [{ containerID: 0, hostID: 100000, size: 65536 }];
const remap: UsernsRemap = { user: 'berthremap', group: 'berthremap', uidMappings: maps, gidMappings: maps };

test("with a remap, privileged, host network and host PID are refused in dockerd's words unless --userns=host", () => {
  const h = defaultHostSpec();
  assert.throws(() => validateUsernsMode({ ...h, privileged: true }, remap), /privileged mode is incompatible with user namespaces\.  You must run/);
  assert.throws(() => validateUsernsMode({ ...h, networkMode: 'host' }, remap), /cannot share the host's network namespace when user namespaces are enabled/);
  assert.throws(() => validateUsernsMode({ ...h, pidMode: 'host' }, remap), /cannot share the host PID namespace when user namespaces are enabled/);
  validateUsernsMode({ ...h, privileged: true, networkMode: 'host', pidMode: 'host', usernsMode: 'host' }, remap);
  validateUsernsMode({ ...h, privileged: true, networkMode: 'host' }, undefined);
  assert.throws(() => validateUsernsMode({ ...h, usernsMode: 'private' }, undefined), /invalid UsernsMode: private/);
});

test('a commit maps host owners back to container IDs; unmapped (daemon-made) ones are root', () => {
  const ids = containerIdsOf(remap)!;
  assert.deepEqual(ids(100005, 100006), [5, 6]);
  assert.deepEqual(ids(0, 0), [0, 0]);
  assert.equal(containerIdsOf(undefined), undefined);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isInitialUsernsMap, newIdMapArgs, rootlessMappings } from './rootless';

test('the initial user namespace maps every ID to itself; a rootless one does not', () => {
  assert.equal(isInitialUsernsMap('         0          0 4294967295\n'), true);
  assert.equal(isInitialUsernsMap('         0       1001          1\n         1     165536      65536\n'), false);
  assert.equal(isInitialUsernsMap('0 0 1000\n'), false);
});

test('root is the user, 1.. the subordinate ranges in file order, found by name or by ID', () => {
  const subuid = '# comment\nother:100000:65536\nalice:165536:65536\n1001:300000:1000\n';
  assert.deepEqual(rootlessMappings(1001, subuid, 'alice'), [
    { containerID: 0, hostID: 1001, size: 1 },
    { containerID: 1, hostID: 165536, size: 65536 },
    { containerID: 65537, hostID: 300000, size: 1000 },
  ]);
  assert.equal(rootlessMappings(1002, subuid, 'bob'), undefined);
  assert.deepEqual(newIdMapArgs(rootlessMappings(1001, 'alice:165536:65536', 'alice')!), ['0', '1001', '1', '1', '165536', '65536']);
});

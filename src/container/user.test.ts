import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveUserSpec } from './user';

const passwd = 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n';
const group = 'root:x:0:\nuser:x:1000:\nwheel:x:10:user\n';

test('-u 1000:1000 resolves numerically', () => {
  assert.deepEqual(resolveUserSpec('1000:1000', passwd, group), { uid: 1000, gid: 1000, additionalGids: [1000], home: '/home/user' });
});

test('a numeric uid unknown to passwd gets gid 0, as Docker does', () => {
  const u = resolveUserSpec('4242', passwd, group);
  assert.equal(u.uid, 4242);
  assert.equal(u.gid, 0);
});

test('a user name picks its primary and supplementary groups', () => {
  assert.deepEqual(resolveUserSpec('user', passwd, group), { uid: 1000, gid: 1000, additionalGids: [1000, 10], home: '/home/user' });
});

test('the primary group leads the additional ones, then --group-add, as dockerd lists them (moby TestExecWithGroupAdd)', () => {
  const g = 'root:x:0:\nwheel:x:10:root\naudio:x:29:\nstaff:x:50:\n';
  assert.deepEqual(resolveUserSpec('root:root', passwd, g, ['staff', 'wheel', 'audio', '777']).additionalGids, [0, 50, 10, 29, 777]);
  assert.deepEqual(resolveUserSpec('root', passwd, g).additionalGids, [0, 10]);
});

test('an explicit group drops the member groups but stays supplementary itself (dockerd: -u user:0 gives groups=0)', () => {
  assert.deepEqual(resolveUserSpec('user:0', passwd, group).additionalGids, [0]);
  assert.deepEqual(resolveUserSpec('5000:6000', passwd, group, ['50']).additionalGids, [6000, 50]);
});

test('an unknown user name is an error in Docker wording', () => {
  assert.throws(() => resolveUserSpec('nobody2', passwd, group), /unable to find user nobody2: no matching entries in passwd file/);
});

test('empty user means root', () => {
  assert.equal(resolveUserSpec('', passwd, group).uid, 0);
});

test('an empty user part is root; an empty group part is the default group', () => {
  const r = resolveUserSpec(':7777', 'root:x:0:0:root:/root:/bin/sh\n', 'root:x:0:\n');
  assert.equal(r.uid, 0);
  assert.equal(r.gid, 7777);
  const t = resolveUserSpec('7777:', 'root:x:0:0:root:/root:/bin/sh\n', 'root:x:0:\n');
  assert.equal(t.uid, 7777);
  assert.equal(t.gid, 0);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DistributionError } from '../errors.js';
import { allows, formatScope, missingAccess, parseScope, parseScopes } from './scope.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof DistributionError ? e.code : 'not a DistributionError';
  }
  return undefined;
}

test('a resource scope is type:name:actions, the name taken between the first and the last colon', () => {
  assert.deepEqual(parseScope('repository:library/busybox:pull,push'), { type: 'repository', name: 'library/busybox', actions: ['pull', 'push'] });
  assert.deepEqual(parseScope('registry:catalog:*'), { type: 'registry', name: 'catalog', actions: ['*'] });
  assert.deepEqual(parseScope('repository(plugin):a/b:pull'), { type: 'repository(plugin)', name: 'a/b', actions: ['pull'] });
  assert.deepEqual(parseScope('repository:a:pull,pull'), { type: 'repository', name: 'a', actions: ['pull'] });
  assert.equal(formatScope({ type: 'repository', name: 'a/b', actions: ['pull', 'push'] }), 'repository:a/b:pull,push');
});

test('path tricks and hostnames in scope names are NAME_INVALID', () => {
  for (const bad of ['repository:../etc:pull', 'repository:a/../b:pull', 'repository:%2e%2e/x:pull', 'repository:/abs:pull', 'repository:a//b:pull', 'repository:127.0.0.1:5000/a:pull', 'repository:A:pull', 'repository::pull', 'registry:other:*']) {
    assert.equal(code(() => parseScope(bad)), 'NAME_INVALID', bad);
  }
});

test('malformed scopes are UNSUPPORTED', () => {
  for (const bad of ['repository', 'repository:a', ':a:pull', 'Repo:a:pull', 'repository:a:', 'repository:a:pull,', 'repository:a:PULL', 'repository:a:pu ll']) {
    assert.equal(code(() => parseScope(bad)), 'UNSUPPORTED', bad);
  }
});

test('several scopes, space-separated or repeated, are merged per resource', () => {
  assert.deepEqual(parseScopes(['repository:a:pull repository:b:push', 'repository:a:push', '']), [
    { type: 'repository', name: 'a', actions: ['pull', 'push'] },
    { type: 'repository', name: 'b', actions: ['push'] },
  ]);
});

test('allows: the exact action or *, on the same type and name only', () => {
  const granted = [{ type: 'repository', name: 'a', actions: ['pull'] }, { type: 'repository', name: 'b', actions: ['*'] }];
  assert.ok(allows(granted, 'repository', 'a', 'pull'));
  assert.ok(!allows(granted, 'repository', 'a', 'push'));
  assert.ok(allows(granted, 'repository', 'b', 'delete'));
  assert.ok(!allows(granted, 'repository', 'a/sub', 'pull'));
  assert.ok(!allows(granted, 'repository(plugin)', 'a', 'pull'));
  assert.deepEqual(missingAccess(granted, [{ type: 'repository', name: 'a', actions: ['pull', 'push'] }]), [{ type: 'repository', name: 'a', action: 'push' }]);
  assert.deepEqual(missingAccess([], [{ type: 'registry', name: 'catalog', actions: ['*'] }]), [{ type: 'registry', name: 'catalog', action: '*' }]);
  // a catalog grant of 'pull' is not '*'
  assert.ok(!allows([{ type: 'registry', name: 'catalog', actions: ['pull'] }], 'registry', 'catalog', '*'));
});

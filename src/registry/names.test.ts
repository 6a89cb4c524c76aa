import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isValidRepoName, isValidTag, parseDigest } from './names.js';

test('repository names follow the spec grammar', () => {
  for (const ok of ['a', 'library/busybox', 'a.b/c_d/e__f', 'x-y--z', 'a0/b1/c2', 'test/bb']) assert.ok(isValidRepoName(ok), ok);
  for (const bad of ['', '..', 'a/..', '../a', 'a/../b', './a', 'A', 'a//b', '/a', 'a/', '_a', 'a_', 'a___b', 'a/.b', '%2e%2e', 'a b', 'a:b', 'a'.repeat(256)]) {
    assert.ok(!isValidRepoName(bad), bad);
  }
});

test('tags follow the spec grammar', () => {
  for (const ok of ['latest', '1', '_x', 'v1.2.3-rc_1', 'a'.repeat(128)]) assert.ok(isValidTag(ok), ok);
  for (const bad of ['', '.hidden', '-x', 'a/b', '..', 'a'.repeat(129), 'a:b']) assert.ok(!isValidTag(bad), bad);
});

test('digests: sha256/sha512 with the right hex length only', () => {
  assert.deepEqual(parseDigest('sha256:' + 'a'.repeat(64)), { algorithm: 'sha256', hex: 'a'.repeat(64), digest: 'sha256:' + 'a'.repeat(64) });
  assert.ok(parseDigest('sha512:' + 'b'.repeat(128)));
  for (const bad of ['sha256:' + 'a'.repeat(63), 'sha256:' + 'A'.repeat(64), 'md5:abc', 'sha256:../../x', 'sha512:' + 'b'.repeat(64)]) {
    assert.equal(parseDigest(bad), undefined, bad);
  }
});

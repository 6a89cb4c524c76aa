import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWwwAuthenticate } from './www-authenticate';

test('parses a Docker Hub bearer challenge', () => {
  const c = parseWwwAuthenticate('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"');
  assert.deepEqual(c, [{ scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' } }]);
});

test('parses basic with spaces and mixed case', () => {
  assert.deepEqual(parseWwwAuthenticate('Basic  Realm="Berth Registry"'), [{ scheme: 'basic', params: { realm: 'Berth Registry' } }]);
});

test('parses several challenges, escapes and token values', () => {
  const c = parseWwwAuthenticate('Basic realm="a\\"b", Bearer realm=https://x/token, error="insufficient_scope", scope="repository:a/b:pull,push"');
  assert.equal(c.length, 2);
  assert.equal(c[0]!.params.realm, 'a"b');
  assert.deepEqual(c[1]!.params, { realm: 'https://x/token', error: 'insufficient_scope', scope: 'repository:a/b:pull,push' });
});

test('empty or missing header gives no challenges', () => {
  assert.deepEqual(parseWwwAuthenticate(undefined), []);
  assert.deepEqual(parseWwwAuthenticate(''), []);
});

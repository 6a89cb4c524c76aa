import { test } from 'node:test';
import assert from 'node:assert/strict';
import { familiarName, familiarTagged, parseReference, repositoryName } from './reference';

test('busybox is docker.io/library/busybox:latest', () => {
  const r = parseReference('busybox');
  assert.equal(repositoryName(r), 'docker.io/library/busybox');
  assert.equal(familiarTagged(r), 'busybox:latest');
});

test('a registry host with a port, a path and a tag', () => {
  const r = parseReference('127.0.0.1:5000/rec/img:1');
  assert.deepEqual(r, { domain: '127.0.0.1:5000', path: 'rec/img', tag: '1', digest: undefined });
  assert.equal(familiarName(r), '127.0.0.1:5000/rec/img');
});

test('localhost and a digest', () => {
  const d = 'sha256:' + 'a'.repeat(64);
  const r = parseReference(`localhost/app@${d}`);
  assert.equal(r.domain, 'localhost');
  assert.equal(r.digest, d);
});

test('docker.io/library/x and user repos stay familiar', () => {
  assert.equal(familiarName(parseReference('docker.io/library/alpine')), 'alpine');
  assert.equal(familiarName(parseReference('user/app')), 'user/app');
});

test('uppercase and junk are refused with Docker messages', () => {
  assert.throws(() => parseReference('Busybox'), /invalid reference format: repository name \(library\/Busybox\) must be lowercase/);
  assert.throws(() => parseReference('bad name'), /invalid reference format/);
  assert.throws(() => parseReference('bb:bad tag'), /invalid reference format/);
  assert.throws(() => parseReference(''), /invalid reference format/);
});

test('tags, digests and ids are told apart', () => {
  assert.deepEqual(parseReference('name:1.0-rc'), { domain: 'docker.io', path: 'library/name', tag: '1.0-rc', digest: undefined });
  assert.equal(parseReference('index.docker.io/user/app').domain, 'docker.io');
  assert.equal(parseReference('[::1]:5000/app:x').domain, '[::1]:5000');
  assert.throws(() => parseReference('name@sha256:short'), /: invalid reference format$/);
  assert.throws(() => parseReference('a/B/c'), /repository name \(a\/B\/c\) must be lowercase/);
});

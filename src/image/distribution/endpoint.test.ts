import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseReference } from '../reference';
import { credentialKey, isInsecureRegistry, normalizeServerAddress, registryEndpoints } from './endpoint';

test('docker.io maps to registry-1.docker.io with the library/ prefix', () => {
  const r = parseReference('busybox');
  assert.equal(r.path, 'library/busybox');
  assert.deepEqual(registryEndpoints(r.domain), [{ url: 'https://registry-1.docker.io', domain: 'docker.io', mirror: false }]);
  assert.equal(registryEndpoints(parseReference('index.docker.io/foo/bar').domain)[0]!.url, 'https://registry-1.docker.io');
});

test('mirrors come first for docker.io pulls, never for pushes or other registries', () => {
  const opts = { registryMirrors: ['http://127.0.0.1:5001/'] };
  assert.deepEqual(registryEndpoints('docker.io', opts).map((e) => e.url), ['http://127.0.0.1:5001', 'https://registry-1.docker.io']);
  assert.deepEqual(registryEndpoints('docker.io', opts, true).map((e) => e.url), ['https://registry-1.docker.io']);
  assert.deepEqual(registryEndpoints('quay.io', opts).map((e) => e.url), ['https://quay.io']);
});

test('loopback and localhost use plain http, others https unless listed insecure', () => {
  assert.equal(registryEndpoints('127.0.0.1:5000')[0]!.url, 'http://127.0.0.1:5000');
  assert.equal(registryEndpoints('127.9.8.7:80')[0]!.url, 'http://127.9.8.7:80');
  assert.equal(registryEndpoints('localhost:5000')[0]!.url, 'http://localhost:5000');
  assert.equal(registryEndpoints('[::1]:5000')[0]!.url, 'http://[::1]:5000');
  assert.equal(registryEndpoints('10.1.2.3:5000')[0]!.url, 'https://10.1.2.3:5000');
  assert.equal(isInsecureRegistry('10.1.2.3:5000', ['10.0.0.0/8']), true);
  assert.equal(isInsecureRegistry('reg.lan:5000', ['reg.lan:5000']), true);
  assert.equal(isInsecureRegistry('reg.lan:5001', ['reg.lan:5000']), false);
});

test('credential keys and server addresses follow Docker', () => {
  assert.equal(credentialKey('docker.io'), 'https://index.docker.io/v1/');
  assert.equal(credentialKey('127.0.0.1:5000'), '127.0.0.1:5000');
  assert.equal(normalizeServerAddress('https://index.docker.io/v1/'), 'docker.io');
  assert.equal(normalizeServerAddress('http://127.0.0.1:5000/v2/'), '127.0.0.1:5000');
  assert.equal(normalizeServerAddress(''), 'docker.io');
});

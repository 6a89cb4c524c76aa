import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderHosts, renderResolvConf } from './dns-files';

test('default bridge: host resolvers without loopback ones', () => {
  const host = 'nameserver 127.0.0.53\nnameserver 192.0.2.53\nsearch example.org\noptions edns0\n';
  assert.equal(renderResolvConf({ hostResolvConf: host, aardvarkServers: [] }), 'search example.org\nnameserver 192.0.2.53\noptions edns0\n');
});

test('only loopback resolvers: Docker falls back to Google DNS', () => {
  assert.equal(renderResolvConf({ hostResolvConf: 'nameserver 127.0.0.53\n', aardvarkServers: [] }), 'nameserver 8.8.8.8\nnameserver 8.8.4.4\n');
});

test('user-defined network: aardvark on the gateway', () => {
  assert.equal(renderResolvConf({ hostResolvConf: 'nameserver 192.0.2.53\n', aardvarkServers: ['10.9.0.1'] }), 'nameserver 10.9.0.1\n');
});

test('hosts file has own address and extra hosts', () => {
  const h = renderHosts({ hostname: 'abc', addresses: ['10.9.0.2'], extraHosts: ['db:10.1.1.1'] });
  assert.match(h, /^127\.0\.0\.1\tlocalhost\n/);
  assert.match(h, /10\.1\.1\.1\tdb\n/);
  assert.match(h, /10\.9\.0\.2\tabc\n$/);
});

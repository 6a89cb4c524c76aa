import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pastaResolvConf } from './pasta-networking';

test('loopback resolvers become pasta\'s DNS forward address once; others stay', () => {
  assert.equal(pastaResolvConf('search lan\nnameserver 127.0.0.53\nnameserver ::1\noptions edns0\n'), 'search lan\nnameserver 10.0.2.3\noptions edns0\n');
  assert.equal(pastaResolvConf('nameserver 10.255.255.53\n'), 'nameserver 10.255.255.53\n');
});

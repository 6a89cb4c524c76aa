import { test } from 'node:test';
import assert from 'node:assert/strict';
import { overlayEnv, processEnv } from './env';

test('a process env starts with PATH, HOSTNAME, TERM, then Config.Env, then the exec env, HOME last (dockerd order)', () => {
  assert.deepEqual(processEnv({ env: ['FOO=bar', 'PATH=/x'], hostname: 'h', tty: true, home: '/root', extra: ['FOO=exec'] }), [
    'PATH=/x', 'HOSTNAME=h', 'TERM=xterm', 'FOO=exec', 'HOME=/root',
  ]);
  assert.deepEqual(processEnv({ env: ['HOME=/h'], hostname: 'h', tty: false, home: '/root' }), [
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOSTNAME=h', 'HOME=/h',
  ]);
});

test('overlayEnv replaces a key in place and appends new ones', () => {
  assert.deepEqual(overlayEnv(['A=1', 'B=2'], ['B=3', 'C']), ['A=1', 'B=3', 'C']);
});

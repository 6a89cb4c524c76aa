import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeEnv, resolveCommand, validateSpec } from './create';
import { defaultContainerSpec } from './spec';

test('user env overrides image env by key and PATH is kept', () => {
  assert.deepEqual(mergeEnv(['PATH=/bin', 'A=1'], ['A=2', 'B=3']), ['PATH=/bin', 'A=2', 'B=3']);
});

test('a default PATH is added when the image has none', () => {
  assert.match(mergeEnv([], ['X=1']).join(' '), /PATH=\/usr\/local\/sbin/);
});

test('cmd replaces the image cmd; entrypoint override drops the image cmd', () => {
  const img = { Entrypoint: ['/ep'], Cmd: ['a'] };
  assert.deepEqual(resolveCommand({ cmd: ['b'] }, img), ['/ep', 'b']);
  assert.deepEqual(resolveCommand({ entrypoint: ['/x'] }, img), ['/x']);
  assert.deepEqual(resolveCommand({ entrypoint: [''], cmd: ['sh'] }, img), ['sh']);
  assert.deepEqual(resolveCommand({}, img), ['/ep', 'a']);
});

test('invalid names and tiny memory limits are refused with Docker messages', () => {
  const s = defaultContainerSpec('bb');
  assert.throws(() => validateSpec({ ...s, name: 'bad name!' }), /Invalid container name \(bad name!\)/);
  assert.throws(() => validateSpec({ ...s, host: { ...s.host, memory: 1024 } }), /Minimum memory limit allowed is 6MB/);
  assert.throws(() => validateSpec({ ...s, host: { ...s.host, restartPolicy: { name: 'sometimes' as 'no', maximumRetryCount: 0 } } }), /invalid restart policy/);
  assert.doesNotThrow(() => validateSpec({ ...s, name: 'good_name-1.2' }));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeEnv, resolveCommand, validateSpec } from './create';
import { validateSignal } from './stop';
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

test('create refuses what dockerd refuses: empty env names, short healthchecks, bad namespace modes, tmpfs targets', () => {
  const s = defaultContainerSpec('bb');
  const h = s.host;
  assert.throws(() => validateSpec({ ...s, env: ['=foo'] }), /^InvalidArgumentError: invalid environment variable: =foo$|invalid environment variable: =foo/);
  assert.throws(() => validateSpec({ ...s, env: [''] }), /invalid environment variable: $/);
  assert.doesNotThrow(() => validateSpec({ ...s, env: ['A=', 'B'] }));
  assert.throws(() => validateSpec({ ...s, healthcheck: { test: ['NONE'], interval: 500_000 } }), /Interval in Healthcheck cannot be less than 1ms/);
  assert.throws(() => validateSpec({ ...s, healthcheck: { test: ['NONE'], timeout: -1 } }), /Timeout in Healthcheck cannot be less than 1ms/);
  assert.throws(() => validateSpec({ ...s, healthcheck: { test: ['NONE'], retries: -1 } }), /Retries in Healthcheck cannot be negative/);
  assert.throws(() => validateSpec({ ...s, healthcheck: { test: ['NONE'], startPeriod: 100_000 } }), /StartPeriod in Healthcheck/);
  assert.throws(() => validateSpec({ ...s, healthcheck: { test: ['NONE'], startInterval: 100_000 } }), /StartInterval in Healthcheck/);
  assert.throws(() => validateSpec({ ...s, host: { ...h, ipcMode: 'invalid' } }), /invalid IPC mode: invalid/);
  assert.throws(() => validateSpec({ ...s, host: { ...h, pidMode: 'container' } }), /invalid PID mode: container/);
  assert.throws(() => validateSpec({ ...s, host: { ...h, pidMode: 'container:' } }), /invalid PID mode: container:/);
  assert.throws(() => validateSpec({ ...s, host: { ...h, utsMode: 'private' } }), /invalid UTS mode: private/);
  assert.throws(() => validateSpec({ ...s, host: { ...h, cpuShares: -1 } }), /invalid CPU shares \(-1\): value must be a positive integer/);
  assert.throws(() => validateSpec({ ...s, host: { ...h, annotations: { '': 'a' } } }), /invalid Annotations: the empty string/);
  assert.throws(() => validateSpec({ ...s, host: { ...h, tmpfs: { foo: '' } } }), /mount path must be absolute/);
  assert.throws(() => validateSpec({ ...s, host: { ...h, tmpfs: { '//': '' } } }), /destination can't be '\/'/);
  assert.doesNotThrow(() => validateSpec({ ...s, host: { ...h, ipcMode: 'shareable', pidMode: 'container:abc', utsMode: 'host', tmpfs: { '/run': '' } } }));
});

test('kill signals are checked as moby parses them', () => {
  assert.doesNotThrow(() => validateSignal('SIGTERM'));
  assert.doesNotThrow(() => validateSignal('hup'));
  assert.doesNotThrow(() => validateSignal('9'));
  assert.doesNotThrow(() => validateSignal('SIGRTMIN+3'));
  assert.throws(() => validateSignal('0'), /invalid signal: 0/);
  assert.throws(() => validateSignal('SIG42'), /invalid signal: SIG42/);
  assert.throws(() => validateSignal('65'), /the linux daemon does not support signal 65/);
});

test('security options are checked with dockerd numbered messages', () => {
  const s = defaultContainerSpec('bb');
  const so = (o: string) => () => validateSpec({ ...s, host: { ...s.host, securityOpt: [o] } });
  assert.doesNotThrow(so('writable-cgroups'));
  assert.doesNotThrow(so('writable-cgroups=false'));
  assert.doesNotThrow(so('seccomp=unconfined'));
  assert.throws(so('writeable-cgroups=true'), /invalid --security-opt 2: "writeable-cgroups=true"/);
  assert.throws(so('writable-cgroups=potato'), /invalid --security-opt 2: "writable-cgroups=potato"/);
  assert.throws(so('bogus'), /invalid --security-opt 1: "bogus"/);
});

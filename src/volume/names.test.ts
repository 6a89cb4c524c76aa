import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertVolumeName, isValidVolumeName, randomVolumeName } from './names';

test('volume names follow Docker\'s [a-zA-Z0-9][a-zA-Z0-9_.-]+ (two characters at least)', () => {
  for (const ok of ['ab', 'recvol', 'my_vol.1-x', '0a', 'A.B']) assert.equal(isValidVolumeName(ok), true, ok);
  for (const bad of ['a', '', '_x', '.x', '-x', 'a/b', './app', 'a b', 'a:b', '/abs', 'é1']) assert.equal(isValidVolumeName(bad), false, bad);
});

test('an invalid name is refused with dockerd\'s message, as InvalidArgument', () => {
  assert.throws(
    () => assertVolumeName('./app'),
    (e: Error & { kind?: string }) =>
      e.kind === 'InvalidArgument' &&
      e.message === 'create ./app: "./app" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path',
  );
});

test('a one-character name gets dockerd\'s "too short" message', () => {
  assert.throws(() => assertVolumeName('a'), /^BerthError: create a: volume name is too short, names should be at least two alphanumeric characters$/);
});

test('anonymous volume names are 64 random hex digits', () => {
  const a = randomVolumeName();
  assert.match(a, /^[0-9a-f]{64}$/);
  assert.notEqual(a, randomVolumeName());
});

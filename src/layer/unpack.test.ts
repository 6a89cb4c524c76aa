import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanEntryPath } from './unpack';

test('entry names are cleaned to relative paths', () => {
  assert.equal(cleanEntryPath('./bin/sh'), 'bin/sh');
  assert.equal(cleanEntryPath('/etc/passwd'), 'etc/passwd');
  assert.equal(cleanEntryPath('a//b/./c/'), 'a/b/c');
  assert.equal(cleanEntryPath('./'), '');
});

test('.. anywhere is refused', () => {
  assert.throws(() => cleanEntryPath('../etc/passwd'), /path escapes the layer/);
  assert.throws(() => cleanEntryPath('a/../../b'), /path escapes the layer/);
});

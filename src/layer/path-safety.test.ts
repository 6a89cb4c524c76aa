import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyWhiteout, isInside, normalizeEntryPath, parentPrefixes, resolveInside } from './path-safety';

test('entry names are cleaned and made relative', () => {
  assert.equal(normalizeEntryPath('./a//b/'), 'a/b');
  assert.equal(normalizeEntryPath('/etc/passwd'), 'etc/passwd');
  assert.equal(normalizeEntryPath('.'), '');
  assert.equal(normalizeEntryPath('./'), '');
});

test('".." anywhere is refused with InvalidArgument', () => {
  for (const n of ['../x', 'a/../../x', 'a/..', '/../etc/shadow']) {
    assert.throws(() => normalizeEntryPath(n), (e: Error & { kind?: string }) => e.kind === 'InvalidArgument' && /invalid tar entry/.test(e.message));
  }
});

test('NUL bytes are refused', () => {
  assert.throws(() => normalizeEntryPath('a\0b'), /NUL/);
});

test('containment checks are prefix-safe', () => {
  assert.equal(isInside('/r/layer', '/r/layer/a'), true);
  assert.equal(isInside('/r/layer', '/r/layer'), true);
  assert.equal(isInside('/r/layer', '/r/layer2/a'), false);
  assert.equal(isInside('/r/layer', '/r'), false);
  assert.equal(resolveInside('/r/layer', 'a/b'), '/r/layer/a/b');
});

test('parent prefixes, outermost first', () => {
  assert.deepEqual(parentPrefixes('a/b/c'), ['a', 'a/b']);
  assert.deepEqual(parentPrefixes('a'), []);
});

test('whiteouts: file, opaque, aufs bookkeeping, plain', () => {
  assert.deepEqual(classifyWhiteout('etc/.wh.hosts'), { kind: 'file', target: 'etc/hosts' });
  assert.deepEqual(classifyWhiteout('.wh.tmp'), { kind: 'file', target: 'tmp' });
  assert.deepEqual(classifyWhiteout('var/.wh..wh..opq'), { kind: 'opaque', dir: 'var' });
  assert.deepEqual(classifyWhiteout('.wh..wh..opq'), { kind: 'opaque', dir: '' });
  assert.deepEqual(classifyWhiteout('.wh..wh.plnk'), { kind: 'ignored' });
  assert.deepEqual(classifyWhiteout('etc/hosts'), { kind: 'none' });
  assert.throws(() => classifyWhiteout('a/.wh.'), /invalid whiteout/);
});

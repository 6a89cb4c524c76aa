import { test } from 'node:test';
import assert from 'node:assert/strict';
import { humanSize, prepareArchiveCopy, rebaseEntry, splitCpArg, splitPathDirEntry } from './cp-rules';

test('which argument is the container\'s', () => {
  assert.deepEqual(splitCpArg('web:/tmp'), { container: 'web', path: '/tmp' });
  assert.deepEqual(splitCpArg('/abs:x'), { path: '/abs:x' });
  assert.deepEqual(splitCpArg('./a:b'), { path: './a:b' });
  assert.deepEqual(splitCpArg('file'), { path: 'file' });
});

test('dir entries split like docker\'s SplitPathDirEntry', () => {
  assert.deepEqual(splitPathDirEntry('/a/b/'), ['/a', 'b']);
  assert.deepEqual(splitPathDirEntry('/a/b/.'), ['/a/b', '.']);
  assert.deepEqual(splitPathDirEntry('/a'), ['/', 'a']);
});

test('destination rules and Docker\'s errors', () => {
  const file = { path: '/src/f', exists: true, isDir: false };
  const dir = { path: '/src/d', exists: true, isDir: true };
  assert.deepEqual(prepareArchiveCopy(file, { path: '/dst', exists: true, isDir: true }), { dstDir: '/dst' });
  assert.deepEqual(prepareArchiveCopy(file, { path: '/dst/new', exists: false, isDir: false }), { dstDir: '/dst', rebase: ['f', 'new'] });
  assert.deepEqual(prepareArchiveCopy(dir, { path: '/dst/new', exists: false, isDir: false }), { dstDir: '/dst', rebase: ['d', 'new'] });
  assert.deepEqual(prepareArchiveCopy({ ...dir, path: '/src/d/.' }, { path: '/dst/new', exists: false, isDir: false }), { dstDir: '/dst', rebase: ['.', 'new'] });
  assert.throws(() => prepareArchiveCopy(dir, { path: '/dst/f', exists: true, isDir: false }), /^CliExit: cannot copy directory$|cannot copy directory/);
  assert.throws(() => prepareArchiveCopy(file, { path: '/dst/nodir/', exists: false, isDir: false }), /no such directory/);
});

test('entries are renamed on their first component only', () => {
  assert.equal(rebaseEntry('dir1/x', ['dir1', 'out']), 'out/x');
  assert.equal(rebaseEntry('dir1/', ['dir1', 'out']), 'out/');
  assert.equal(rebaseEntry('./x', ['.', 'out']), 'out/x');
  assert.equal(rebaseEntry('dir10/x', ['dir1', 'out']), 'dir10/x');
  assert.equal(rebaseEntry('/bin/sh', ['/', 'root']), 'root/bin/sh');
});

test('sizes as docker cp prints them', () => {
  assert.equal(humanSize(2048), '2.05kB');
  assert.equal(humanSize(1_990_000), '1.99MB');
  assert.equal(humanSize(512), '512B');
});

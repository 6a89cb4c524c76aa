import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGitRef } from './git-source';

test('git sources are told by scheme, and #ref:subdir splits into ref and folder', () => {
  assert.deepEqual(parseGitRef('https://example.com/u/repo.git#v1.2:docs/api'), { remote: 'https://example.com/u/repo.git', ref: 'v1.2', subdir: 'docs/api' });
  assert.deepEqual(parseGitRef('git@example.com:u/repo.git'), { remote: 'git@example.com:u/repo.git', ref: '', subdir: '' });
  assert.deepEqual(parseGitRef('git://127.0.0.1:9418/repo.git#:sub/'), { remote: 'git://127.0.0.1:9418/repo.git', ref: '', subdir: 'sub' });
  assert.deepEqual(parseGitRef('ssh://git@example.com/repo#pull/42/head'), { remote: 'ssh://git@example.com/repo', ref: 'pull/42/head', subdir: '' });
  // a plain download and a context path are no git sources
  assert.equal(parseGitRef('https://example.com/file.tar.gz'), undefined);
  assert.equal(parseGitRef('src/repo.git'), undefined);
});

test('a git ref that reads as an option, or a folder outside the repository, is refused', () => {
  assert.throws(() => parseGitRef('git://h/repo.git#--upload-pack=x'), /invalid git ref/);
  assert.throws(() => parseGitRef('git://h/repo.git#main:../../etc'), /invalid git subdir/);
});

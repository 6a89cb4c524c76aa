import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseDockerignore, createIgnoreMatcher, cleanPath } from './dockerignore';

function check(patterns: string[], ignored: string[], kept: string[]): void {
  const m = createIgnoreMatcher(patterns);
  for (const p of ignored) assert.equal(m.ignores(p), true, `${p} should be ignored by ${patterns.join(' ')}`);
  for (const p of kept) assert.equal(m.ignores(p), false, `${p} should be kept by ${patterns.join(' ')}`);
}

describe('parseDockerignore', () => {
  it('drops comments and blank lines, trims and cleans, keeps exceptions', () => {
    const text = '\uFEFF# comment\n\n  *.log  \r\n/foo/\n./bar\n!./baz\n!  qux\na//b/../c\n  # not a comment\n!\n';
    assert.deepEqual(parseDockerignore(text), ['*.log', 'foo', 'bar', '!baz', '!qux', 'a/c', '# not a comment', '!']);
  });
});

describe('createIgnoreMatcher', () => {
  it('*/temp* covers one level below the root', () => {
    check(['*/temp*'], ['somedir/temporary.txt', 'somedir/temp', 'somedir/temp/x'], ['temp', 'temporary.txt', 'a/b/temp']);
  });

  it('*/*/temp* covers two levels below the root', () => {
    check(['*/*/temp*'], ['somedir/subdir/temporary.txt'], ['somedir/temporary.txt', 'temp']);
  });

  it('temp? matches one character', () => {
    check(['temp?'], ['tempa', 'tempb', 'tempa/inner'], ['temp', 'tempab', 'x/tempa']);
  });

  it('**/*.go matches in every directory, the root included', () => {
    check(['**/*.go'], ['main.go', 'a/b/c.go'], ['main.gox', 'a/go']);
  });

  it('leading and trailing ** as Docker reads them', () => {
    check(['**/foo'], ['foo', 'a/foo', 'a/b/foo/c'], ['afoo']);
    check(['**foo'], ['afoo', 'a/foo'], ['foob']);
    check(['dir/**'], ['dir/a', 'dir/a/b'], ['dir', 'dirx']);
    check(['a/**/b'], ['a/b', 'a/x/y/b'], ['ab', 'x/a/b']);
  });

  it('*.md with !README*.md: the last matching pattern wins', () => {
    check(['*.md', '!README.md'], ['CHANGES.md'], ['README.md', 'docs/x.md']);
    check(['*.md', '!README*.md', 'README-secret.md'], ['CHANGES.md', 'README-secret.md'], ['README.md', 'README-a.md']);
    check(['*.md', 'README-secret.md', '!README*.md'], ['CHANGES.md'], ['README.md', 'README-secret.md']);
  });

  it('a directory pattern covers everything below it', () => {
    check(['.git'], ['.git', '.git/HEAD', '.git/objects/ab/cd'], ['.github/workflows/ci.yml', 'a/.git']);
    const m = createIgnoreMatcher(['.git']);
    assert.equal(m.mayIncludeUnder('.git'), false);
  });

  it('says when an ignored directory may hold re-included files', () => {
    const m = createIgnoreMatcher(['node_modules', '!node_modules/keep/**', 'docs', '!docs/README.md']);
    assert.equal(m.ignores('node_modules/x/index.js'), true);
    assert.equal(m.ignores('node_modules/keep/a.js'), false);
    assert.equal(m.mayIncludeUnder('node_modules'), true);
    assert.equal(m.mayIncludeUnder('node_modules/keep'), true);
    assert.equal(m.mayIncludeUnder('node_modules/other'), false);
    assert.equal(m.ignores('docs/README.md'), false);
    assert.equal(m.ignores('docs/other.md'), true);
    assert.equal(m.mayIncludeUnder('docs'), true);
    assert.equal(m.mayIncludeUnder('docs/sub'), false);
    const wide = createIgnoreMatcher(['vendor', '!**/LICENSE']);
    assert.equal(wide.mayIncludeUnder('vendor/a/b'), true);
    assert.equal(wide.ignores('vendor/a/LICENSE'), false);
  });

  it('character classes and escapes follow filepath.Match', () => {
    check(['file[0-9].txt'], ['file1.txt'], ['filex.txt']);
    check(['file[^0-9].txt'], ['filex.txt'], ['file1.txt']);
    check(['a\\*b'], ['a*b'], ['axb']);
    assert.throws(() => createIgnoreMatcher(['file[']), /syntax error in pattern/);
    assert.throws(() => createIgnoreMatcher(['[]a]']), /syntax error in pattern/);
    assert.throws(() => createIgnoreMatcher(['!']), /illegal exclusion pattern/);
  });

  it('normalises the paths it is asked about', () => {
    check(['build'], ['./build/x', 'build/', '/build'], []);
  });
});

describe('cleanPath', () => {
  it('is Go path.Clean', () => {
    assert.equal(cleanPath(''), '.');
    assert.equal(cleanPath('./a/./b/'), 'a/b');
    assert.equal(cleanPath('../a/../../b'), '../../b');
    assert.equal(cleanPath('/../a'), '/a');
  });
});

/** Dockerfile frontend 1.x syntax: here-documents, RUN --mount/--network, COPY/ADD's newer flags. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseDockerfile } from './parser';
import { decodeInstruction, type Instruction } from './instructions';
import { processWord, processWords } from './shell-lex';
import { DockerfileParseError } from './ast';

const ENV = new Map([['NAME', 'app'], ['DIR', '/cache']]);

function decodeAll(text: string): Instruction[] {
  return parseDockerfile(text).instructions.map((raw) => decodeInstruction(raw, (w) => processWord(w, ENV), (w) => processWords(w, ENV)));
}

function errorOf(text: string): string {
  try {
    decodeAll(text);
  } catch (e) {
    assert.ok(e instanceof DockerfileParseError, String(e));
    return e.message;
  }
  assert.fail(`no error for ${text}`);
}

describe('here-documents', () => {
  it('reads the content up to the terminator and goes on after it', () => {
    const p = parseDockerfile('FROM a\nRUN <<EOF\necho $NAME\n  # not a comment\nEOF\nRUN true\n');
    assert.equal(p.instructions.length, 3);
    assert.deepEqual(p.instructions[1]?.heredocs, [{ name: 'EOF', content: 'echo $NAME\n  # not a comment\n', expand: true, chomp: false }]);
    assert.deepEqual([p.instructions[1]?.startLine, p.instructions[1]?.endLine], [2, 5]);
    assert.equal(p.instructions[2]?.startLine, 6);
  });

  it('a lone here-document is the script; anything else goes to the shell whole', () => {
    const [, lone, withCmd, two] = decodeAll('FROM a\nRUN <<EOF\necho hi\nEOF\nRUN <<EOF sh -e\necho a\nEOF\nRUN cat <<A <<-"B"\na\nA\n\tb\n\tB\n');
    assert.deepEqual(lone, { kind: 'run', command: ['echo hi\n'], shell: true });
    assert.deepEqual(withCmd, { kind: 'run', command: ['<<EOF sh -e\necho a\nEOF'], shell: true });
    assert.deepEqual(two, { kind: 'run', command: ['cat <<A <<-"B"\na\nA\n\tb\nB'], shell: true });
  });

  it('a #! here-document runs as a script file', () => {
    const [, run] = decodeAll('FROM a\nRUN <<eot\n#!/bin/sh -e\necho x\neot\n');
    assert.deepEqual(run, { kind: 'run', command: ['<<eot'], shell: true, script: { name: 'eot', data: '#!/bin/sh -e\necho x\n' } });
  });

  it('COPY: files named after the delimiter; quoted delimiters are not expanded; <<- strips tabs', () => {
    const [, a, b, c] = decodeAll('FROM a\nCOPY <<X /x\nhi $NAME ${DIR}\nX\nCOPY <<\'Y\' /y\nhi $NAME\nY\nCOPY <<-Z <<W /d/\n\tz\n\tZ\nw\nW\n');
    assert.deepEqual((a as { contents?: unknown }).contents, [{ name: 'X', data: 'hi app /cache\n' }]);
    assert.deepEqual((b as { contents?: unknown }).contents, [{ name: 'Y', data: 'hi $NAME\n' }]);
    assert.deepEqual((c as { contents?: unknown; dest?: string }).contents, [{ name: 'Z', data: 'z\n' }, { name: 'W', data: 'w\n' }]);
  });

  it('errors: unterminated, a heredoc as destination; JSON form and other commands take none', () => {
    assert.throws(() => parseDockerfile('FROM a\nRUN <<EOF\necho\n'), /line 2: unterminated heredoc/);
    assert.match(errorOf('FROM a\nCOPY x <<EOF\nEOF\n'), /COPY cannot accept a heredoc as a destination/);
    assert.throws(() => parseDockerfile('FROM a\nRUN ["sh", "<<EOF"]\nEOF\n'), /unknown instruction: EOF/);
  });
});

describe('RUN --mount and --network', () => {
  it('cache, bind, tmpfs and secret mounts with their defaults', () => {
    const [, run] = decodeAll('FROM a\nRUN --mount=type=cache,target=$DIR,sharing=locked,uid=1,mode=0700 --mount=src=x,dst=/x --mount=type=tmpfs,target=/t,size=1m --mount=type=secret,id=tok --network=none true\n');
    assert.deepEqual(run, {
      kind: 'run',
      command: ['true'],
      shell: true,
      network: 'none',
      mounts: [
        { type: 'cache', target: '/cache', id: '/cache', sharing: 'locked', readOnly: false, mode: 0o700, uid: 1, gid: 0 },
        { type: 'bind', target: '/x', source: 'x', readOnly: true },
        { type: 'tmpfs', target: '/t', size: 1024 * 1024 },
        { type: 'secret', id: 'tok', required: false, mode: 0o400, uid: 0, gid: 0, target: '/run/secrets/tok' },
      ],
    });
  });

  it('ssh mounts: the default agent, numbered targets left to the executor, uid/gid/mode', () => {
    const [, run] = decodeAll('FROM a\nRUN --mount=type=ssh --mount=type=ssh,id=work,target=/agent,required,uid=1000,mode=0660 true\n');
    assert.deepEqual((run as { mounts: unknown[] }).mounts, [
      { type: 'ssh', id: 'default', required: false, mode: 0o600, uid: 0, gid: 0 },
      { type: 'ssh', id: 'work', required: true, mode: 0o660, uid: 1000, gid: 0, target: '/agent' },
    ]);
  });

  it('refuses what it cannot do, in words', () => {
    assert.match(errorOf('FROM a\nRUN --mount=type=nope,target=/x true'), /unsupported mount type "nope"/);
    assert.match(errorOf('FROM a\nRUN --mount=type=cache true'), /mount destination not specified/);
    assert.match(errorOf('FROM a\nRUN --mount=type=cache,target=/x,color=red true'), /unexpected key 'color'/);
    assert.match(errorOf('FROM a\nRUN --network=bridge true'), /unsupported network mode "bridge"/);
  });
});

describe('COPY and ADD flags', () => {
  it('--link, --parents, --exclude (repeatable), ADD --checksum', () => {
    const [, copy, add] = decodeAll('FROM a\nCOPY --link --parents --exclude=*.md --exclude=tmp/ a/ b /dst/\nADD --checksum=sha256:00 http://x/y /y\n');
    assert.deepEqual(copy, { kind: 'copy', sources: ['a/', 'b'], dest: '/dst/', link: true, parents: true, exclude: ['*.md', 'tmp/'] });
    assert.deepEqual(add, { kind: 'add', sources: ['http://x/y'], dest: '/y', link: false, checksum: 'sha256:00' });
    assert.match(errorOf('FROM a\nCOPY --checksum=sha256:00 a /b'), /unknown flag: checksum/);
    assert.match(errorOf('FROM a\nADD --from=x a /b'), /unknown flag: from/);
  });
});

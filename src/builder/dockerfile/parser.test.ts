import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseDockerfile, goQuote } from './parser';
import { DockerfileParseError } from './ast';

describe('parseDockerfile', () => {
  it('reports an unknown instruction with its line, as Docker words it', () => {
    const err = (() => {
      try {
        parseDockerfile('FROM busybox\n\nFOO bar\n');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(err instanceof DockerfileParseError);
    assert.equal(err.message, 'dockerfile parse error on line 3: unknown instruction: FOO');
    assert.equal(err.line, 3);
  });

  it('rejects a file with no instructions and an ENV without a value', () => {
    assert.throws(() => parseDockerfile('# only a comment\n\n'), /file with no instructions/);
    assert.throws(() => parseDockerfile('FROM a\nENV PATH\n'), /line 2: ENV must have two arguments/);
    assert.throws(() => parseDockerfile('FROM a\nENV a=1 b\n'), /can't find = in "b"/);
    assert.throws(() => parseDockerfile('CMD ["a", 1]'), /arrays must be comprised of strings only/);
  });

  it('reads the escape and syntax directives only at the top', () => {
    const p = parseDockerfile('# syntax=docker/dockerfile:1\n# escape=`\nFROM a\nRUN echo `\n  hi\n');
    assert.equal(p.syntax, 'docker/dockerfile:1');
    assert.equal(p.escapeToken, '`');
    assert.deepEqual(p.instructions[1]?.args, ['echo   hi']);
    const late = parseDockerfile('FROM a\n# escape=`\nRUN x\n');
    assert.equal(late.escapeToken, '\\');
    assert.throws(() => parseDockerfile('# escape=x\nFROM a'), /invalid escape token 'x'/);
    assert.throws(() => parseDockerfile('# escape=`\n# escape=\\\nFROM a'), /only one escape parser directive/);
  });

  it('keeps flags as written and strips them from the arguments', () => {
    const [, copy] = parseDockerfile('FROM a AS b\nCOPY --from=b --chown=1:1 x /y\n').instructions;
    assert.deepEqual(copy?.flags, ['--from=b', '--chown=1:1']);
    assert.deepEqual(copy?.args, ['x', '/y']);
    assert.equal(copy?.original, 'COPY --from=b --chown=1:1 x /y');
  });

  it('tells the exec form from the shell form', () => {
    const [run, cmd, bad] = parseDockerfile('RUN ["a", "b c"]\nCMD a "b c"\nENTRYPOINT [\'a\']\n').instructions;
    assert.deepEqual([run?.json, run?.args], [true, ['a', 'b c']]);
    assert.deepEqual([cmd?.json, cmd?.args], [false, ['a "b c"']]);
    assert.deepEqual([bad?.json, bad?.args], [false, ["['a']"]]);
  });

  it('nests the ONBUILD trigger with the same lines', () => {
    const [, onbuild] = parseDockerfile('FROM a\nONBUILD COPY --chown=1 . \\\n  /app\n').instructions;
    assert.equal(onbuild?.cmd, 'onbuild');
    assert.deepEqual(onbuild?.args, []);
    assert.deepEqual(
      { cmd: onbuild?.next?.cmd, flags: onbuild?.next?.flags, args: onbuild?.next?.args, lines: [onbuild?.next?.startLine, onbuild?.next?.endLine] },
      { cmd: 'copy', flags: ['--chown=1'], args: ['.', '/app'], lines: [2, 3] },
    );
  });

  it('warns about empty continuation lines', () => {
    const p = parseDockerfile('FROM a\nRUN a \\\n\n  b\n');
    assert.deepEqual(p.instructions[1]?.args, ['a   b']);
    assert.equal(p.warnings.length, 2);
    assert.match(p.warnings[0] ?? '', /Empty continuation line found in: RUN a/);
  });

  it('handles CRLF line ends and a byte-order mark', () => {
    const p = parseDockerfile('\uFEFFFROM a\r\nRUN b \\\r\n c\r\n');
    assert.deepEqual(
      p.instructions.map((i) => [i.cmd, i.args]),
      [
        ['from', ['a']],
        ['run', ['b  c']],
      ],
    );
  });

  it('quotes like Go', () => {
    assert.equal(goQuote('a"b\\c\n\x00é☃'), '"a\\"b\\\\c\\n\\x00é☃"');
  });
});

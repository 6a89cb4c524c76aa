import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { processWord, processWords, ShellExpansionError } from './shell-lex';

const env = { A: 'x y', P: '/usr/local/bin/tool.tar.gz', EMPTY: '' };

describe('processWord', () => {
  it('expands with defaults, alternatives and errors', () => {
    assert.equal(processWord('${A}-${B:-d}-${EMPTY-unset}-${A:+alt}', env), 'x y-d--alt');
    assert.throws(() => processWord('${B:?B is required}', env), (e: unknown) => e instanceof ShellExpansionError && /B: B is required/.test(e.message));
    assert.throws(() => processWord('${EMPTY:?}', env), /EMPTY: is not allowed to be empty/);
  });

  it('trims prefixes and suffixes with glob patterns', () => {
    assert.equal(processWord('${P#*/}', env), 'usr/local/bin/tool.tar.gz');
    assert.equal(processWord('${P##*/}', env), 'tool.tar.gz');
    assert.equal(processWord('${P%.*}', env), '/usr/local/bin/tool.tar');
    assert.equal(processWord('${P%%.*}', env), '/usr/local/bin/tool');
    assert.equal(processWord('${P%\\*}', env), env.P);
  });

  it('replaces the first or every match', () => {
    assert.equal(processWord('${P/\\//:}', env), ':usr/local/bin/tool.tar.gz');
    assert.equal(processWord('${P//\\//:}', env), ':usr:local:bin:tool.tar.gz');
    assert.equal(processWord('${A/ /_}', env), 'x_y');
  });

  it('uses the backtick as escape token when asked', () => {
    assert.equal(processWord('a`$A\\b', env, '`'), 'a$A\\b');
  });

  it('leaves command substitution alone', () => {
    assert.equal(processWord('$(id -u)', env), '$(id -u)');
  });
});

describe('processWords', () => {
  it('splits what came from variables, not what was quoted', () => {
    assert.deepEqual(processWords('$A "$A" 8080', env), ['x', 'y', 'x y', '8080']);
  });
});

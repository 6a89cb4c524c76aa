import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseDotenv, DotenvError } from './dotenv';

describe('parseDotenv', () => {
  it('plain lines, comments, blanks, spaces around =', () => {
    assert.deepEqual(parseDotenv('# c\nA=1\n\n  B = 2  \nC=\nD = x y # comment\nE=a#b\n'), {
      A: '1', B: '2', C: '', D: 'x y', E: 'a#b',
    });
  });
  it('export prefix and the KEY: value form', () => {
    assert.deepEqual(parseDotenv('export A=1\nexport\tB=2\nC: 3\nexported=4'), { A: '1', B: '2', C: '3', exported: '4' });
  });
  it('single quotes are literal except \\\'', () => {
    assert.deepEqual(parseDotenv(`A='\\n $X # x'\nB='it\\'s'\nC=''`), { A: '\\n $X # x', B: "it's", C: '' });
  });
  it('double quotes process escapes and interpolate', () => {
    assert.deepEqual(parseDotenv('X=ex\nA="a\\nb\\t\\"q\\" \\\\ $X \\$X ${X}" # c\nB="\\z"'), {
      X: 'ex', A: 'a\nb\t"q" \\ ex $X ex', B: '\\z',
    });
  });
  it('quoted values can span lines', () => {
    assert.deepEqual(parseDotenv("A='l1\nl2'\nB=\"m1\n  m2\n\"\nC=3"), { A: 'l1\nl2', B: 'm1\n  m2\n', C: '3' });
  });
  it('unquoted values interpolate from the lookup first, then earlier keys', () => {
    const env: Record<string, string> = { HOST: 'h' };
    assert.deepEqual(parseDotenv('A=1\nB=${A}_$HOST\nC=${NONE:-d}\nHOST=file\nD=$HOST', (k) => env[k]), {
      A: '1', B: '1_h', C: 'd', HOST: 'file', D: 'h',
    });
  });
  it('a bare key takes its value from the lookup or is dropped', () => {
    assert.deepEqual(parseDotenv('A\nB\n', (k) => (k === 'A' ? 'from-env' : undefined)), { A: 'from-env' });
  });
  it('BOM and CRLF', () => {
    assert.deepEqual(parseDotenv('\uFEFFA=1\r\nB="x"\r\n'), { A: '1', B: 'x' });
  });
  it('rejects bad names and unterminated quotes with a line number', () => {
    assert.throws(() => parseDotenv('A=1\nBAD LINE\n'), (e: unknown) => e instanceof DotenvError && /^line 2: unexpected character " "/.test(e.message));
    assert.throws(() => parseDotenv('A="open\nB=2'), /line 1: unterminated quoted value for A/);
    assert.throws(() => parseDotenv('A="x" y'), /unexpected text after the quoted value/);
  });
});

/**
 * BuildKit's parser and shell-expansion conformance data, replayed against our
 * front end (data vendored in data/buildkit-parser, see its SOURCE.md for how
 * upstream reads each file).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { parseDockerfile, goQuote } from '../../src/builder/dockerfile/parser';
import { processWord, processWords } from '../../src/builder/dockerfile/shell-lex';
import type { RawInstruction } from '../../src/builder/dockerfile/ast';

/** From dist/test/conformance back to the repo's test/conformance. */
const DATA = path.resolve(__dirname, '../../../test/conformance/data/buildkit-parser');

/** Upstream's AST.Dump() for one instruction. */
function dumpNode(n: RawInstruction): string {
  let s = n.cmd;
  if (n.flags.length > 0) s += ` [${n.flags.map(goQuote).join(' ')}]`;
  if (n.next) s += ` (${dumpNode(n.next)})`;
  for (const a of n.args) s += ` ${goQuote(a)}`;
  return s.trim();
}

function dump(text: string): string {
  return parseDockerfile(text).instructions.map((n) => `(${dumpNode(n)})\n`).join('');
}

const dirs = (sub: string): string[] => readdirSync(path.join(DATA, sub)).sort();

describe('buildkit parser testfiles', () => {
  const cases = dirs('testfiles');
  it('has all 33 cases', () => assert.equal(cases.length, 33));
  for (const c of cases) {
    it(c, () => {
      const dockerfile = readFileSync(path.join(DATA, 'testfiles', c, 'Dockerfile'), 'utf8');
      const expected = readFileSync(path.join(DATA, 'testfiles', c, 'result'), 'utf8');
      assert.equal(dump(dockerfile), expected);
    });
  }
});

describe('buildkit parser testfiles-negative', () => {
  const cases = dirs('testfiles-negative');
  it('has all 4 cases', () => assert.equal(cases.length, 4));
  for (const c of cases) {
    it(c, () => {
      const dockerfile = readFileSync(path.join(DATA, 'testfiles-negative', c, 'Dockerfile'), 'utf8');
      assert.throws(() => parseDockerfile(dockerfile));
    });
  }
});

describe('buildkit parser testfile-line', () => {
  it('reports start and end lines of each instruction', () => {
    const parsed = parseDockerfile(readFileSync(path.join(DATA, 'testfile-line', 'Dockerfile'), 'utf8'));
    assert.deepEqual(
      parsed.instructions.map((n) => [n.startLine, n.endLine]),
      [
        [5, 5],
        [11, 12],
        [17, 31],
      ],
    );
  });
});

const SHELL_ENV: Record<string, string> = { PWD: '/home', SHELL: 'bash', KOREAN: '한국어', NULL: '' };

describe('buildkit shell envVarTest', () => {
  const lines = readFileSync(path.join(DATA, 'shell', 'envVarTest'), 'utf8').split('\n');
  let rows = 0;
  lines.forEach((raw, idx) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split('|');
    assert.equal(fields.length, 3, `line ${idx + 1}`);
    const [platform, source, expected] = fields.map((f) => f.trim()) as [string, string, string];
    if (platform === 'W') return;
    rows++;
    it(`line ${idx + 1}: ${source}`, () => {
      if (expected === 'error') {
        assert.throws(() => processWord(source, SHELL_ENV), `input ${source}`);
      } else {
        assert.equal(processWord(source, SHELL_ENV), expected);
      }
    });
  });
  it('read the table', () => assert.ok(rows > 200, `${rows} rows`));
});

describe('buildkit shell wordsTest', () => {
  const lines = readFileSync(path.join(DATA, 'shell', 'wordsTest'), 'utf8').split('\n');
  const env = new Map<string, string>();
  lines.forEach((line, idx) => {
    if (line === '' || line.startsWith('#')) return;
    if (line.startsWith('ENV ')) {
      const kv = line.slice(3).replace(/^ +/, '');
      const eq = kv.indexOf('=');
      env.set(kv.slice(0, eq), kv.slice(eq + 1));
      return;
    }
    const bar = line.indexOf('|');
    const source = line.slice(0, bar).trim();
    const expected = line.slice(bar + 1).replace(/^ +/, '');
    const snapshot = new Map(env);
    it(`line ${idx + 1}: ${source}`, () => {
      if (expected === 'error') assert.throws(() => processWords(source, snapshot));
      else assert.deepEqual(processWords(source, snapshot), expected.split(','));
    });
  });
});

/**
 * Compose loader conformance: compose-go's dotenv fixtures, full-example and CLI
 * test data, and the awesome-compose samples, vendored in data/compose (see its
 * SOURCE.md). Expected dotenv values are ours, written from the fixtures (upstream
 * keeps them in Go test code that is not vendored).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseDotenv } from '../../src/compose/loader/dotenv';

/** From dist/test/conformance back to the repo's test/conformance. */
const DATA = path.resolve(__dirname, '../../../test/conformance/data/compose');
const FIXTURES = path.join(DATA, 'compose-go/dotenv-fixtures');

const fixture = (name: string, env: Record<string, string> = {}): Record<string, string> =>
  parseDotenv(readFileSync(path.join(FIXTURES, name), 'utf8'), (k) => env[k]);

describe('compose-go dotenv fixtures', () => {
  const plain = {
    OPTION_A: '1', OPTION_B: '2', OPTION_C: '3', OPTION_D: '4', OPTION_E: '5', 456: 'ABC', OPTION_F: '', OPTION_G: '', OPTION_H: 'my string',
  };
  it('plain.env', () => assert.deepEqual(fixture('plain.env'), plain));
  it('utf8-bom.env (the BOM is not part of the first key)', () => assert.deepEqual(fixture('utf8-bom.env'), plain));
  it('quoted.env', () =>
    assert.deepEqual(fixture('quoted.env'), {
      OPTION_A: '1', OPTION_B: '2', OPTION_C: '', OPTION_D: '\\n', OPTION_E: '1', OPTION_F: '2', OPTION_G: '', OPTION_H: '\n',
      OPTION_I: "echo 'asd'", OPTION_J: 'first line\nsecond line\nthird line\nand so on', OPTION_K: "Let's go!", OPTION_Z: 'last value',
    }));
  it('exported.env', () => assert.deepEqual(fixture('exported.env'), { OPTION_A: '2', OPTION_B: '\\n' }));
  it('equals.env (= inside a quoted value)', () =>
    assert.deepEqual(fixture('equals.env'), { OPTION_A: 'postgres://localhost:5432/database?sslmode=disable' }));
  it('special.env (dots and dashes in names)', () =>
    assert.deepEqual(fixture('special.env'), { 'VAR.WITH.DOTS': 'dots', VAR_WITH_UNDERSCORES: 'underscores', 'VAR-WITH-DASHES': 'dashes' }));
  it('unquoted.env', () =>
    assert.deepEqual(fixture('unquoted.env'), {
      OPTION_A: 'some quoted phrase', OPTION_B: 'first one with an unquoted phrase', OPTION_C: 'then another one with an unquoted phrase',
      OPTION_D: 'then another one with an unquoted phrase special è char', OPTION_E: 'then another one quoted phrase',
    }));
  it('substitutions.env', () =>
    assert.deepEqual(fixture('substitutions.env'), { OPTION_A: '1', OPTION_B: '1', OPTION_C: '1', OPTION_D: '1_1', OPTION_E: '' }));
  it('substitutions-default.env, without and with the variable in the environment', () => {
    assert.deepEqual(fixture('substitutions-default.env'), { OPTION_A: '1', OPTION_B: '1', OPTION_C: '1', OPTION_D: '1_1', OPTION_E: '' });
    assert.deepEqual(fixture('substitutions-default.env', { OPTION_A: '2' }), {
      OPTION_A: '2', OPTION_B: '2', OPTION_C: '2', OPTION_D: '2_2', OPTION_E: '',
    });
  });
  it('inherited-single-var.env / inherited-multi-var.env / inherited-not-found.env', () => {
    const env = { VAR_TO_BE_LOADED_FROM_OS_ENV: 'os' };
    assert.deepEqual(fixture('inherited-single-var.env', env), { VAR_TO_BE_LOADED_FROM_OS_ENV: 'os' });
    assert.deepEqual(fixture('inherited-multi-var.env', env), { foo: 'bar', VAR_TO_BE_LOADED_FROM_OS_ENV: 'os', bar: 'baz' });
    assert.deepEqual(fixture('inherited-not-found.env'), {});
  });
  it('invalid1.env is an error (a name with a space)', () => assert.throws(() => fixture('invalid1.env'), /line 7: unexpected character " "/));
  it('custom.format parses as the KEY: value form', () => assert.deepEqual(fixture('custom.format'), { FOO: 'BAR', ZOT: 'QIX' }));
  it('types-fixtures: base.env then override.env', () => {
    const dir = path.join(DATA, 'compose-go/types-fixtures');
    const base = parseDotenv(readFileSync(path.join(dir, 'base.env'), 'utf8'));
    const merged = { ...base, ...parseDotenv(readFileSync(path.join(dir, 'override.env'), 'utf8'), (k) => base[k]) };
    assert.deepEqual(merged, {
      FOO: 'foo_from_override.env', INTERPOLATED_FOO: 'foo_from_base.env', BAR: 'bar_from_override.env', INTERPOLATED_BAR: 'bar_from_base.env',
      ZOT: 'zot_from_base.env', INTERPOLATED_ZOT: 'zot_from_base.env',
    });
  });
});

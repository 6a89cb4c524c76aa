import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkFilterKeys, globMatches, labelMatches, parseUntil, referenceMatches, referenceMatchesOne } from './filters';

test('reference globs do not cross "/" and match name or name:tag', () => {
  assert.equal(globMatches('bb*', 'bbox'), true);
  assert.equal(globMatches('*', 'rec/img'), false);
  assert.equal(referenceMatches(['rec/img:1'], 'rec/*'), true);
  assert.equal(referenceMatches(['rec/img:1'], 'rec/img:1'), true);
  assert.equal(referenceMatches(['rec/img:1'], 'rec/img:2'), false);
});

test('labels by key or key=value', () => {
  assert.equal(labelMatches({ a: 'b' }, 'a'), true);
  assert.equal(labelMatches({ a: 'b' }, 'a=b'), true);
  assert.equal(labelMatches({ a: 'b' }, 'a=c'), false);
});

test('until accepts unix seconds, durations and RFC 3339', () => {
  assert.equal(parseUntil('100'), 100_000);
  assert.equal(parseUntil('1h30m', 10_000_000), 10_000_000 - 5_400_000);
  assert.equal(parseUntil('2020-01-01T00:00:00Z'), Date.UTC(2020, 0, 1));
  assert.throws(() => parseUntil('soon'), /failed to parse value as time or duration/);
});

test('unknown filter keys are refused with Docker wording', () => {
  assert.throws(() => checkFilterKeys({ foo: ['x'] }, ['label']), /invalid filter 'foo'/);
});

test('a reference matches on the whole reference or its name; a registry port is part of the name', () => {
  assert.equal(referenceMatchesOne('utest:5000/docker:tag3', '*5000*/*'), true);
  assert.equal(referenceMatchesOne('utest:5000/docker:tag3', 'utest*'), false);
  assert.equal(referenceMatchesOne('utest:tag1', 'utest'), true);
  assert.equal(referenceMatchesOne('rec/img@sha256:abc', 'rec/img'), true);
});

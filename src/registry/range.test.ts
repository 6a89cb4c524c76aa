import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseContentRange, parseRangeHeader, uploadRangeHeader } from './range.js';

test('Range header: absolute, open-ended, suffix, clamped and unsatisfiable', () => {
  assert.deepEqual(parseRangeHeader('bytes=0-4', 10), { start: 0, end: 4 });
  assert.deepEqual(parseRangeHeader('bytes=5-', 10), { start: 5, end: 9 });
  assert.deepEqual(parseRangeHeader('bytes=-3', 10), { start: 7, end: 9 });
  assert.deepEqual(parseRangeHeader('bytes=-30', 10), { start: 0, end: 9 });
  assert.deepEqual(parseRangeHeader('bytes=8-100', 10), { start: 8, end: 9 });
  assert.equal(parseRangeHeader('bytes=10-', 10), 'unsatisfiable');
  assert.equal(parseRangeHeader('bytes=-0', 10), 'unsatisfiable');
});

test('Range header: absent, multi-range or malformed means the whole body', () => {
  assert.equal(parseRangeHeader(undefined, 10), undefined);
  assert.equal(parseRangeHeader('bytes=0-1,3-4', 10), undefined);
  assert.equal(parseRangeHeader('items=0-1', 10), undefined);
  assert.equal(parseRangeHeader('bytes=5-2', 10), undefined);
});

test('upload Content-Range: spec form, tolerated bytes prefix, rejects garbage', () => {
  assert.deepEqual(parseContentRange('0-99'), { start: 0, end: 99 });
  assert.deepEqual(parseContentRange('bytes 100-199/*'), { start: 100, end: 199 });
  assert.equal(parseContentRange('5-2'), undefined);
  assert.equal(parseContentRange('abc'), undefined);
  assert.equal(parseContentRange('-5'), undefined);
});

test('upload Range header reports the last byte received', () => {
  assert.equal(uploadRangeHeader(0), '0-0');
  assert.equal(uploadRangeHeader(10), '0-9');
});

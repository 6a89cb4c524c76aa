import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resizeDimensions } from './resize';

test('resize h/w are uint32, refused in dockerd words', () => {
  assert.deepEqual(resizeDimensions('40', '100'), { height: 40, width: 100 });
  assert.throws(() => resizeDimensions(undefined, '100'), /invalid resize height "": invalid syntax/);
  assert.throws(() => resizeDimensions('100', 'not-a-number'), /invalid resize width "not-a-number": invalid syntax/);
  assert.throws(() => resizeDimensions('-100', '100'), /invalid resize height "-100": value out of range/);
  assert.throws(() => resizeDimensions('100', '4294967296'), /invalid resize width "4294967296": value out of range/);
  assert.throws(() => resizeDimensions('+1', '1'), /invalid syntax/);
});

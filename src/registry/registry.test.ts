import { test } from 'node:test';
import assert from 'node:assert/strict';
import { paginate } from './registry.js';

test('paginate: n, last and the next marker', () => {
  const all = ['a', 'b', 'c', 'd'];
  assert.deepEqual(paginate(all, undefined, undefined), { items: all });
  assert.deepEqual(paginate(all, 2, undefined), { items: ['a', 'b'], next: 'b' });
  assert.deepEqual(paginate(all, 2, 'b'), { items: ['c', 'd'] });
  assert.deepEqual(paginate(all, 0, undefined), { items: [] });
  assert.deepEqual(paginate(all, undefined, 'c'), { items: ['d'] });
  assert.deepEqual(paginate(all, 10, 'zz'), { items: [] });
});

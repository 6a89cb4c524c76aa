import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detailsPrefix } from './log-details';

test('details: attrs sorted by key, query-escaped as Go does, then a space; none is a lone space', () => {
  assert.equal(detailsPrefix(undefined), ' ');
  assert.equal(detailsPrefix({ svc: 'web', app: 'a b!' }), 'app=a+b%21,svc=web ');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linksOf, namesOf, parseLink } from './links';
import { defaultContainerSpec } from './spec';
import type { ContainerRecord } from './types';

const rec = (id: string, name: string, linkTargets?: Array<{ id: string; alias: string }>) =>
  ({ id, name, spec: { ...defaultContainerSpec('bb'), host: { ...defaultContainerSpec('bb').host, ...(linkTargets ? { linkTargets } : {}) } } }) as unknown as ContainerRecord; // only names and links are read

test('parseLink: alias defaults to the name; slashes dropped', () => {
  assert.deepEqual(parseLink('db'), { name: 'db', alias: 'db' });
  assert.deepEqual(parseLink('/db:data'), { name: 'db', alias: 'data' });
  assert.deepEqual(parseLink('/db:/web/data'), { name: 'db', alias: 'data' });
});

test('a link target is also named /<linker>/<alias>; the linker shows /<target>:/<linker>/<alias> from current names', () => {
  const a = rec('a'.repeat(64), 'first');
  const b = rec('b'.repeat(64), 'second', [{ id: a.id, alias: 'db' }]);
  const all = [a, b];
  assert.deepEqual(namesOf(a, all), ['/first', '/second/db']);
  assert.deepEqual(namesOf(b, all), ['/second']);
  assert.deepEqual(linksOf(b, all), ['/first:/second/db']);
  a.name = 'renamed';
  assert.deepEqual(linksOf(b, all), ['/renamed:/second/db'], 'the link follows the target by id');
  assert.deepEqual(linksOf(b, [b]), [], 'a removed target drops out');
});

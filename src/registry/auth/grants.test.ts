import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_GRANTS, GrantRuleError, intersectAccess, parseGrantRule } from './grants.js';

const rules = (...r: string[]) => r.map(parseGrantRule);
const repo = (name: string, ...actions: string[]) => ({ type: 'repository', name, actions });

test('the default rules give logged-in users everything they ask and anonymous clients nothing', () => {
  const d = DEFAULT_GRANTS.map(parseGrantRule);
  const asked = [repo('a/b', 'pull', 'push', 'delete'), { type: 'registry', name: 'catalog', actions: ['*'] }];
  assert.deepEqual(intersectAccess(d, 'alice', asked), asked);
  assert.deepEqual(intersectAccess(d, undefined, asked), []);
});

test('the answer is the intersection of asked and granted, per resource (less than asked is not an error)', () => {
  const r = rules('@anonymous=repository:public/*:pull', 'alice=repository:alice/*:pull,push', '@authenticated=repository:public/*:pull');
  assert.deepEqual(intersectAccess(r, undefined, [repo('public/x', 'pull', 'push')]), [repo('public/x', 'pull')]);
  assert.deepEqual(intersectAccess(r, undefined, [repo('private/x', 'pull')]), []);
  assert.deepEqual(intersectAccess(r, 'alice', [repo('alice/app', 'pull', 'push', 'delete'), repo('public/y', 'push', 'pull')]), [repo('alice/app', 'pull', 'push'), repo('public/y', 'pull')]);
  assert.deepEqual(intersectAccess(r, 'bob', [repo('alice/app', 'pull')]), []);
});

test('a wildcard crosses slashes; without one the name must match exactly', () => {
  const r = rules('u=repository:team/*:pull', 'u=repository:exact:push');
  assert.deepEqual(intersectAccess(r, 'u', [repo('team/a/b/c', 'pull')]), [repo('team/a/b/c', 'pull')]);
  assert.deepEqual(intersectAccess(r, 'u', [repo('team', 'pull')]), []);
  assert.deepEqual(intersectAccess(r, 'u', [repo('exactly', 'push')]), []);
  assert.deepEqual(intersectAccess(r, 'u', [repo('exact', 'push')]), [repo('exact', 'push')]);
  // regex metacharacters in the pattern are literal: '.' does not match any character
  assert.deepEqual(intersectAccess(rules('u=repository:a.b:pull'), 'u', [repo('axb', 'pull')]), []);
});

test("asking for '*' needs a granted '*'; a granted '*' covers any action asked", () => {
  const r = rules('u=repository:a:pull', 'u=repository:b:*');
  assert.deepEqual(intersectAccess(r, 'u', [repo('a', '*')]), []);
  assert.deepEqual(intersectAccess(r, 'u', [repo('b', '*', 'pull')]), [repo('b', '*', 'pull')]);
  // a rule for another resource type does not apply
  assert.deepEqual(intersectAccess(r, 'u', [{ type: 'registry', name: 'catalog', actions: ['*'] }]), []);
});

test('malformed rules are refused with the expected syntax in the message', () => {
  for (const bad of ['repository:a:pull', '=repository:a:pull', 'u=repository:a', 'u=repository:../x:pull', 'u=repository:a%2f:pull', 'u=Repository:a:pull', 'u=repository:a:PULL', '@everyone=repository:a:pull', 'u=repository:a//b:pull']) {
    assert.throws(() => parseGrantRule(bad), (e: unknown) => e instanceof GrantRuleError && /WHO=TYPE:NAME:ACTIONS/.test(e.message), bad);
  }
});

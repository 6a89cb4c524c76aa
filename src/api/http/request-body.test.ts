import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkJsonContentType } from './request-body';

test('a JSON body must come as application/json, as dockerd CheckForJSON wants', () => {
  assert.doesNotThrow(() => checkJsonContentType(undefined, 0));
  assert.doesNotThrow(() => checkJsonContentType('application/json', 10));
  assert.doesNotThrow(() => checkJsonContentType('Application/JSON; charset=utf-8', 10));
  assert.throws(() => checkJsonContentType('text/plain', 10), /^InvalidArgumentError: unsupported Content-Type header \(text\/plain\): must be 'application\/json'$|unsupported Content-Type header \(text\/plain\): must be 'application\/json'/);
  assert.throws(() => checkJsonContentType('text/plain', 0), /unsupported Content-Type header/);
  assert.throws(() => checkJsonContentType(undefined, 2), /malformed Content-Type header \(\): mime: no media type/);
  assert.throws(() => checkJsonContentType('json', 2), /malformed Content-Type header \(json\)/);
});

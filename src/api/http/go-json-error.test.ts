import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goJsonSyntaxError } from './go-json-error';

test('Go encoding/json syntax errors, word for word', () => {
  // the first is dockerd's own test case (api/server/httputils)
  assert.equal(goJsonSyntaxError('{invalid json'), "invalid character 'i' looking for beginning of object key string");
  assert.equal(goJsonSyntaxError('hello'), "invalid character 'h' looking for beginning of value");
  assert.equal(goJsonSyntaxError('{"Image": "bb"'), 'unexpected EOF');
  assert.equal(goJsonSyntaxError('{"Image" "bb"}'), "invalid character '\"' after object key");
  assert.equal(goJsonSyntaxError('{"a": 1 "b": 2}'), "invalid character '\"' after object key:value pair");
  assert.equal(goJsonSyntaxError('[1 2]'), "invalid character '2' after array element");
  assert.equal(goJsonSyntaxError('{"a": tru}'), "invalid character '}' in literal true (expecting 'e')");
  assert.equal(goJsonSyntaxError("{'a': 1}"), "invalid character '\\'' looking for beginning of object key string");
  assert.equal(goJsonSyntaxError('{"a": -x}'), "invalid character 'x' in numeric literal");
  assert.equal(goJsonSyntaxError('{"a": "\\q"}'), "invalid character 'q' in string escape code");
  assert.equal(goJsonSyntaxError('{"a": 1}'), undefined);
  // Go decodes the first value; what follows is dockerd's separate "unexpected content after JSON"
  assert.equal(goJsonSyntaxError('{"a": 1} x'), undefined);
});

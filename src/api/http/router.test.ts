import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Router } from './router';
import { splitVersionPrefix } from './api-version';
import { QueryParams, parseFilters } from './query';
import { decodeStdcopyFrames, encodeStdcopyFrame } from './stdcopy';

function imageRouter(): Router<string> {
  return new Router<string>()
    .add('GET', '/images/json', 'list')
    .add('GET', '/images/*name/json', 'inspect')
    .add('POST', '/images/*name/push', 'push')
    .add('DELETE', '/images/*name', 'delete')
    .add('GET', '/containers/:id/json', 'cinspect');
}

test('image names with / and : match greedy params', () => {
  const r = imageRouter();
  assert.deepEqual(r.match('POST', '/images/127.0.0.1:5000/rec/img/push'), { handler: 'push', params: { name: '127.0.0.1:5000/rec/img' }, pattern: '/images/*name/push' });
  assert.equal(r.match('GET', '/images/bb:latest/json')?.params.name, 'bb:latest');
  assert.equal(r.match('DELETE', '/images/127.0.0.1:5000/rec/img:1')?.params.name, '127.0.0.1:5000/rec/img:1');
  assert.equal(r.match('GET', '/images/json')?.handler, 'list');
  assert.equal(r.match('GET', '/images/a%2Fb/json')?.params.name, 'a/b');
});

test('single-segment params, HEAD → GET fallback, misses', () => {
  const r = imageRouter();
  assert.equal(r.match('GET', '/containers/web/json')?.params.id, 'web');
  assert.equal(r.match('HEAD', '/containers/web/json')?.handler, 'cinspect');
  assert.equal(r.match('GET', '/containers/a/b/json'), undefined);
  assert.equal(r.match('POST', '/images/json'), undefined);
});

test('version prefix: optional, bounded', () => {
  assert.deepEqual(splitVersionPrefix('/v1.41/containers/json', '1.41', '1.12'), { version: '1.41', path: '/containers/json' });
  assert.deepEqual(splitVersionPrefix('/containers/json', '1.41', '1.12'), { version: '1.41', path: '/containers/json' });
  assert.deepEqual(splitVersionPrefix('/v1.24/_ping', '1.41', '1.12'), { version: '1.24', path: '/_ping' });
  assert.throws(() => splitVersionPrefix('/v1.99/version', '1.41', '1.12'), { message: 'client version 1.99 is too new. Maximum supported API version is 1.41', kind: 'InvalidArgument' });
  assert.throws(() => splitVersionPrefix('/v1.5/version', '1.41', '1.12'), /client version 1.5 is too old/);
  // "/volumes" is not a version prefix
  assert.equal(splitVersionPrefix('/volumes', '1.41', '1.12').path, '/volumes');
});

test('booleans in every client spelling', () => {
  const q = QueryParams.fromUrl('/x?a=1&b=0&c=true&d=False&e=True&f=');
  assert.deepEqual(['a', 'b', 'c', 'd', 'e'].map((k) => q.bool(k)), [true, false, true, false, true]);
  assert.equal(q.bool('f', true), true);
  assert.equal(q.bool('missing'), false);
  assert.throws(() => QueryParams.fromUrl('/x?a=maybe').bool('a'), { kind: 'InvalidArgument' });
});

test('numbers, repeated keys, plus as space', () => {
  const q = QueryParams.fromUrl('/x?since=1795839656.849&t=0&names=a&names=b&m=hello+world&limit=-1');
  assert.equal(q.number('since'), 1795839656.849);
  assert.equal(q.int('t'), 0);
  assert.equal(q.int('limit'), -1);
  assert.deepEqual(q.all('names'), ['a', 'b']);
  assert.equal(q.string('m'), 'hello world');
  assert.throws(() => QueryParams.fromUrl('/x?t=abc').int('t'), { kind: 'InvalidArgument' });
});

test('filters in map and list form', () => {
  assert.deepEqual(parseFilters('{"label":{"rec=1":true},"dangling":{"true":true}}'), { label: ['rec=1'], dangling: ['true'] });
  assert.deepEqual(parseFilters('{"label":["com.docker.compose.project=recproj","a=b"]}'), { label: ['com.docker.compose.project=recproj', 'a=b'] });
  assert.deepEqual(parseFilters('{"status":{"exited":false}}'), { status: [] });
  const q = QueryParams.fromUrl('/x?filters=' + encodeURIComponent('{"name":["web"]}'));
  assert.deepEqual(q.filters(), { name: ['web'] });
  assert.throws(() => parseFilters('{bad'), { kind: 'InvalidArgument' });
});

test('stdcopy frames: header layout and round trip', () => {
  const f = encodeStdcopyFrame(1, Buffer.from('hi\n'));
  assert.equal(f.subarray(0, 8).toString('hex'), '0100000000000003');
  const both = Buffer.concat([f, encodeStdcopyFrame(2, Buffer.from('err')), Buffer.from([1, 0, 0])]);
  const { frames, rest } = decodeStdcopyFrames(both);
  assert.deepEqual(frames.map((x) => [x.stream, x.payload.toString()]), [
    [1, 'hi\n'],
    [2, 'err'],
  ]);
  assert.equal(rest.length, 3);
});

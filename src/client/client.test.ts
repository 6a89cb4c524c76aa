import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeQuery, pathSegment } from './transport';
import { negotiateApiVersion, encodeFilters } from './docker-client';
import { defaultClientHost, parseDaemonAddress } from './host';
import { StdcopyDemuxer, encodeStdcopyFrame } from './stdcopy';
import { errorMessageFromBody } from './api-error';

test('query encoding matches the docker CLI (sorted keys, 1/0 booleans, Go escaping)', () => {
  assert.equal(encodeQuery({ stream: true, stdout: true, stderr: true }), '?stderr=1&stdout=1&stream=1');
  assert.equal(encodeQuery({ ps_args: '-o pid,comm' }), '?ps_args=-o+pid%2Ccomm');
  assert.equal(encodeQuery({ repo: 'recimported:1', fromSrc: '-', changes: ['CMD ["/bin/sh"]'], message: 'imported' }), '?changes=CMD+%5B%22%2Fbin%2Fsh%22%5D&fromSrc=-&message=imported&repo=recimported%3A1');
  assert.equal(encodeQuery({ names: ['recimg:1', 'bks:1'] }), '?names=recimg%3A1&names=bks%3A1');
  assert.equal(encodeQuery({ filters: encodeFilters({ name: { web: true }, status: { running: true } }), all: true }), '?all=1&filters=%7B%22name%22%3A%7B%22web%22%3Atrue%7D%2C%22status%22%3A%7B%22running%22%3Atrue%7D%7D');
  assert.equal(pathSegment('127.0.0.1:5000/rec/recimg:1'), '127.0.0.1:5000/rec/recimg:1');
});

test('version negotiation takes the lower version', () => {
  assert.equal(negotiateApiVersion('1.41', '1.41'), '1.41');
  assert.equal(negotiateApiVersion('1.50', '1.41'), '1.41');
  assert.equal(negotiateApiVersion('1.39', '1.41'), '1.39');
  assert.equal(negotiateApiVersion(undefined, '1.41'), '1.41');
});

test('daemon addresses', () => {
  assert.deepEqual(parseDaemonAddress('unix:///run/berth/berth.sock'), { kind: 'unix', socketPath: '/run/berth/berth.sock', url: 'unix:///run/berth/berth.sock' });
  assert.deepEqual(parseDaemonAddress('tcp://127.0.0.1:2375'), { kind: 'tcp', host: '127.0.0.1', port: 2375, url: 'tcp://127.0.0.1:2375' });
});

test('stdcopy demux handles frames split across chunks', () => {
  const got: string[] = [];
  const d = new StdcopyDemuxer((s, p) => got.push(`${s}:${p.toString()}`));
  const all = Buffer.concat([encodeStdcopyFrame(1, Buffer.from('hi\n')), encodeStdcopyFrame(2, Buffer.from('err\n'))]);
  d.push(all.subarray(0, 5));
  d.push(all.subarray(5, 14));
  d.push(all.subarray(14));
  assert.deepEqual(got, ['1:hi\n', '2:err\n']);
  assert.equal(d.pending, 0);
});

test('error bodies give Docker messages', () => {
  assert.equal(errorMessageFromBody(404, '{"message":"No such container: x"}'), 'No such container: x');
  assert.equal(errorMessageFromBody(500, 'plain'), 'plain');
});

test("the default socket: root's daemon for root; an unprivileged user's own rootless one, unless only root's is there", () => {
  const env = { XDG_RUNTIME_DIR: '/run/user/1000' };
  const has = (...files: string[]) => (p: string) => files.includes(p);
  assert.equal(defaultClientHost(env, 0, has('/run/user/1000/berth.sock')), 'unix:///run/berth/berth.sock');
  assert.equal(defaultClientHost({}, 1000, has()), 'unix:///run/berth/berth.sock');
  assert.equal(defaultClientHost(env, 1000, has('/run/user/1000/berth.sock', '/run/berth/berth.sock')), 'unix:///run/user/1000/berth.sock');
  assert.equal(defaultClientHost(env, 1000, has()), 'unix:///run/user/1000/berth.sock', 'nothing runs: the user gets (and auto-starts) a rootless daemon');
  assert.equal(defaultClientHost(env, 1000, has('/run/berth/berth.sock')), 'unix:///run/berth/berth.sock', 'a member of the berth group uses root\'s daemon');
});

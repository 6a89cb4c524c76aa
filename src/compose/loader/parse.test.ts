import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseBytes, parseDuration, parsePort, shellSplit, toBool } from './parse';

describe('shellSplit', () => {
  it('splits like a shell without expanding', () => {
    assert.deepEqual(shellSplit('bundle exec thin -p 3000'), ['bundle', 'exec', 'thin', '-p', '3000']);
    assert.deepEqual(shellSplit(`sh -c 'echo "$HOME" && ls'`), ['sh', '-c', 'echo "$HOME" && ls']);
    assert.deepEqual(shellSplit(`echo "a b" c\\ d '' "x\\"y"`), ['echo', 'a b', 'c d', '', 'x"y']);
    assert.deepEqual(shellSplit('  a\t\tb\n'), ['a', 'b']);
    assert.deepEqual(shellSplit(''), []);
  });
  it('rejects an unterminated quote', () => assert.throws(() => shellSplit('echo "oops'), /invalid command line string/));
});

describe('parseDuration', () => {
  it('Go durations in nanoseconds', () => {
    assert.equal(parseDuration('1m30s', 'x'), 90e9);
    assert.equal(parseDuration('10s', 'x'), 10e9);
    assert.equal(parseDuration('1.5h', 'x'), 5400e9);
    assert.equal(parseDuration('300ms', 'x'), 300e6);
    assert.equal(parseDuration('2us', 'x'), 2000);
    assert.equal(parseDuration('0', 'x'), 0);
    assert.equal(parseDuration(5, 'x'), 5e9);
  });
  it('rejects what Go rejects', () => {
    for (const bad of ['10', '1x', 's', '1m 2s', '']) assert.throws(() => parseDuration(bad, 'healthcheck.interval'), /healthcheck.interval: invalid duration/, bad);
  });
});

describe('parseBytes', () => {
  it('RAM sizes', () => {
    assert.equal(parseBytes('10000', 'x'), 10000);
    assert.equal(parseBytes('64m', 'x'), 64 * 1024 * 1024);
    assert.equal(parseBytes('1GB', 'x'), 1024 ** 3);
    assert.equal(parseBytes(42, 'x'), 42);
    assert.throws(() => parseBytes('lots', 'x'), /invalid size/);
  });
});

describe('parsePort', () => {
  const p = (v: unknown) => parsePort(v, 'ports[0]');
  it('short syntax', () => {
    assert.deepEqual(p(3000), [{ target: 3000, protocol: 'tcp' }]);
    assert.deepEqual(p('80'), [{ target: 80, protocol: 'tcp' }]);
    assert.deepEqual(p('8080:80'), [{ target: 80, published: '8080', protocol: 'tcp' }]);
    assert.deepEqual(p('127.0.0.1:8080:80/udp'), [{ target: 80, published: '8080', hostIp: '127.0.0.1', protocol: 'udp' }]);
    assert.deepEqual(p('127.0.0.1::80'), [{ target: 80, hostIp: '127.0.0.1', protocol: 'tcp' }]);
    assert.deepEqual(p('[::1]:8080:80'), [{ target: 80, published: '8080', hostIp: '::1', protocol: 'tcp' }]);
  });
  it('ranges: one entry per container port; a host range over one port stays a range', () => {
    assert.deepEqual(p('3001-3002'), [{ target: 3001, protocol: 'tcp' }, { target: 3002, protocol: 'tcp' }]);
    assert.deepEqual(p('9090-9091:8080-8081'), [
      { target: 8080, published: '9090', protocol: 'tcp' },
      { target: 8081, published: '9091', protocol: 'tcp' },
    ]);
    assert.deepEqual(p('8000-8010:80'), [{ target: 80, published: '8000-8010', protocol: 'tcp' }]);
    assert.throws(() => p('8000-8001:80-82'), /invalid ranges/);
  });
  it('long syntax', () => {
    assert.deepEqual(p({ target: 80, published: 8080, host_ip: '0.0.0.0', protocol: 'udp', mode: 'host' }), [
      { target: 80, published: '8080', hostIp: '0.0.0.0', protocol: 'udp' },
    ]);
    assert.deepEqual(p({ target: '80' }), [{ target: 80, protocol: 'tcp' }]);
  });
  it('rejects bad ports and protocols', () => {
    assert.throws(() => p('http'), /invalid port/);
    assert.throws(() => p('80/sctp'), /unsupported protocol/);
  });
});

describe('toBool', () => {
  it('Go ParseBool spellings', () => {
    assert.equal(toBool('true', 'x'), true);
    assert.equal(toBool('0', 'x'), false);
    assert.equal(toBool(true, 'x'), true);
    assert.throws(() => toBool('yes', 'services.a.tty'), /services.a.tty must be a boolean/);
  });
});

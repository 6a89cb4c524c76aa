import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILTIN_DEFAULT_LOG_CONFIG, expandTag, fromHumanSize, mergeLogConfig, ramInBytes, rotationOf, validateLogConfig } from './config';

const host = { journald: false };

test('the daemon default fills what the container left out, only for the same driver', () => {
  assert.deepEqual(mergeLogConfig(undefined, BUILTIN_DEFAULT_LOG_CONFIG), { type: 'json-file', config: { 'max-size': '20m', 'max-file': '3' } });
  assert.deepEqual(mergeLogConfig({ type: '', config: { 'max-size': '10k' } }, BUILTIN_DEFAULT_LOG_CONFIG), { type: 'json-file', config: { 'max-size': '10k', 'max-file': '3' } });
  assert.deepEqual(mergeLogConfig({ type: 'local', config: {} }, BUILTIN_DEFAULT_LOG_CONFIG), { type: 'local', config: {} });
});

test('refusals in Docker\'s words', () => {
  const msg = (type: string, config: Record<string, string>) => {
    try {
      validateLogConfig({ type, config }, host);
      return 'ok';
    } catch (e) {
      return (e as Error).message;
    }
  };
  assert.equal(msg('nosuch', {}), "logger: no log driver named 'nosuch' is registered");
  assert.equal(msg('json-file', { 'max-size': 'lots' }), "invalid size: 'lots'");
  assert.equal(msg('json-file', { foo: '1' }), "unknown log opt 'foo' for json-file log driver");
  assert.equal(msg('json-file', { 'max-file': '0' }), 'max-file cannot be less than 1');
  assert.equal(msg('json-file', { mode: 'sometimes' }), 'logger: logging mode not supported: sometimes');
  assert.equal(msg('journald', {}), 'journald is not enabled on this host');
  assert.equal(msg('gelf', {}), 'gelf-address is a required parameter');
  assert.equal(msg('syslog', { 'syslog-format': 'rfc9999' }), 'Invalid syslog format');
  assert.equal(msg('none', { anything: 'goes' }), 'ok');
  assert.equal(msg('json-file', { 'max-size': '10k', 'max-file': '2', compress: 'true', tag: '{{.Name}}/{{.ID}}' }), 'ok');
  assert.equal(msg('syslog', { tag: '{{.Nope}}' }), "template: log-tag: can't evaluate .Nope");
});

test('sizes: json-file decimal (go-units FromHumanSize), local binary (RAMInBytes)', () => {
  assert.equal(fromHumanSize('10k'), 10_000);
  assert.equal(fromHumanSize('20m'), 20_000_000);
  assert.equal(ramInBytes('10k'), 10_240);
  assert.deepEqual(rotationOf({ type: 'local', config: {} }), { maxSize: 20 * 1024 * 1024, maxFile: 5, compress: true });
  assert.deepEqual(rotationOf({ type: 'json-file', config: {} }), { maxSize: -1, maxFile: 1, compress: false });
  assert.equal(rotationOf({ type: 'syslog', config: { 'cache-disabled': 'true' } }), undefined);
});

test('tags: Docker\'s default is the 12-char id', () => {
  const c = { id: 'a'.repeat(64), name: 'web', imageId: 'sha256:' + 'b'.repeat(64), imageName: 'nginx:1' };
  assert.equal(expandTag(undefined, c), 'a'.repeat(12));
  assert.equal(expandTag('{{.Name}}/{{.ImageName}}/{{.ImageID}}', c), `web/nginx:1/${'b'.repeat(12)}`);
});

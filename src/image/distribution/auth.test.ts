import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { decodeRegistryAuth, readCredentials, removeCredentials, writeCredentials } from './auth';

const b64 = (s: string) => Buffer.from(s).toString('base64');

test('X-Registry-Auth: e30=, empty and null are anonymous', () => {
  assert.equal(decodeRegistryAuth('e30='), undefined);
  assert.equal(decodeRegistryAuth('e30'), undefined);
  assert.equal(decodeRegistryAuth(''), undefined);
  assert.equal(decodeRegistryAuth(undefined), undefined);
  assert.equal(decodeRegistryAuth('bnVsbA=='), undefined);
});

test('X-Registry-Auth: std and url base64, any padding', () => {
  const json = JSON.stringify({ username: 'rec', password: 'p?>~', serveraddress: '127.0.0.1:5000' });
  const std = b64(json);
  const url = Buffer.from(json).toString('base64url');
  for (const h of [std, std.replace(/=+$/, ''), url, `${url}==`]) {
    assert.deepEqual(decodeRegistryAuth(h), { username: 'rec', password: 'p?>~', serverAddress: '127.0.0.1:5000' });
  }
});

test('X-Registry-Auth: identity token and auth field', () => {
  assert.deepEqual(decodeRegistryAuth(b64(JSON.stringify({ identitytoken: 'tok', serveraddress: 'x' }))), { identityToken: 'tok', serverAddress: 'x' });
  assert.deepEqual(decodeRegistryAuth(b64(JSON.stringify({ auth: b64('u:p:q') }))), { username: 'u', password: 'p:q' });
  assert.throws(() => decodeRegistryAuth('!!!'), /invalid X-Registry-Auth/);
});

test('credentials file: write, read back, keep other fields, remove', async (t) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-auth-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'config.json');
  await fs.writeFile(file, JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth: b64('hub:pw') } }, credsStore: '' }));
  await writeCredentials(file, '127.0.0.1:5000', { username: 'rec', password: 'secret' });
  const cfg = JSON.parse(await fs.readFile(file, 'utf8')) as { auths: Record<string, { auth: string }>; credsStore: string };
  assert.equal(cfg.auths['127.0.0.1:5000']!.auth, b64('rec:secret'));
  assert.equal(cfg.credsStore, '');
  assert.equal((await fs.stat(file)).mode & 0o777, 0o600);
  assert.deepEqual(await readCredentials(file, '127.0.0.1:5000'), { serverAddress: '127.0.0.1:5000', username: 'rec', password: 'secret' });
  assert.deepEqual(await readCredentials(file, 'docker.io'), { serverAddress: 'docker.io', username: 'hub', password: 'pw' });
  assert.equal(await readCredentials(file, 'other:1'), undefined);
  assert.equal(await removeCredentials(file, '127.0.0.1:5000'), true);
  assert.equal(await readCredentials(file, '127.0.0.1:5000'), undefined);
  assert.equal(await readCredentials(path.join(dir, 'missing.json'), 'docker.io'), undefined);
});

/**
 * Cross-repository mounts respect read access: a mount (with or without `from`)
 * succeeds only from a repository the caller may pull that holds the blob;
 * anything else is the spec's fallback, a fresh upload session (202), which
 * tells nothing about whether the blob exists elsewhere.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_SERVICE } from '../../../src/registry/auth/configure.js';
import { sha256 } from './kit/oci-layout.js';
import { makeTempDir, request, startTestRegistry, type RawResponse } from './kit/registry-fixture.js';
import { bearer, makeSigningKey, tokenFor } from './kit/token-kit.js';

const PASSWORDS = { alice: 'alice-pw', bob: 'bob-pw' } as const;
type User = keyof typeof PASSWORDS;

async function htpasswdFile(dir: string): Promise<string> {
  const f = path.join(dir, 'htpasswd');
  const lines = Object.entries(PASSWORDS).map(([user, pw]) => execFileSync('htpasswd', ['-nbB', user, pw]).toString().trim());
  await fs.writeFile(f, lines.join('\n') + '\n');
  return f;
}

function basic(user: User): Record<string, string> {
  return { Authorization: `Basic ${Buffer.from(`${user}:${PASSWORDS[user]}`).toString('base64')}` };
}

/** Alice owns alice/*, Bob owns bob/*, both push to shared/* and everyone logged in pulls it. */
async function tokenRegistry(t: TestContext) {
  const dir = await makeTempDir(t, 'mount-access');
  const { key } = makeSigningKey(dir);
  const grants = ['alice=repository:alice/*:pull,push,delete', 'bob=repository:bob/*:pull,push', '@authenticated=repository:shared/*:pull,push'];
  const reg = await startTestRegistry(t, { htpasswd: await htpasswdFile(dir), tokenAuth: { issueKey: key, grants } });
  const token = async (user: User, scopes: string[]) => bearer(await tokenFor(`${reg.url}/token`, { service: DEFAULT_SERVICE, scopes, user, password: PASSWORDS[user] }));
  return { reg, token };
}

async function upload(url: string, repo: string, data: string, auth: Record<string, string>): Promise<string> {
  const r = await request(url, { method: 'POST', path: `/v2/${repo}/blobs/uploads/?digest=${sha256(data)}`, body: data, headers: auth });
  assert.equal(r.status, 201, r.body.toString());
  return sha256(data);
}

function mount(url: string, repo: string, digest: string, from: string | undefined, auth: Record<string, string>): Promise<RawResponse> {
  return request(url, { method: 'POST', path: `/v2/${repo}/blobs/uploads/?mount=${digest}${from ? `&from=${from}` : ''}`, headers: auth });
}

/** A refused mount is an ordinary new upload session of the target repository. */
function assertFallback(r: RawResponse, repo: string, what: string): void {
  assert.equal(r.status, 202, what);
  assert.match(String(r.headers.location), new RegExp(`^/v2/${repo}/blobs/uploads/[0-9a-f-]+$`), what);
  assert.equal(r.headers.range, '0-0', what);
}

test('with tokens, Bob cannot mount (with or without from) a blob only Alice may read; each mounts from repositories their token may pull', async (t) => {
  const { reg, token } = await tokenRegistry(t);
  const alicePush = await token('alice', ['repository:alice/private:pull,push']);
  const secret = await upload(reg.url, 'alice/private', 'alice secret layer', alicePush);

  // Bob asks for pull on Alice's repository too: the token server leaves it out of his token.
  const bob = await token('bob', ['repository:bob/app:pull,push', 'repository:alice/private:pull']);
  for (const from of [undefined, 'alice/private']) assertFallback(await mount(reg.url, 'bob/app', secret, from, bob), 'bob/app', `bob, from=${from}`);
  // Exactly what a digest nobody has answers: nothing tells Bob the blob exists.
  assertFallback(await mount(reg.url, 'bob/app', sha256('never pushed'), undefined, bob), 'bob/app', 'unknown digest');
  assert.equal((await request(reg.url, { method: 'HEAD', path: `/v2/bob/app/blobs/${secret}`, headers: bob })).status, 404);

  // Alice's own token must name the source: her rules alone do not make a mount read alice/private.
  const aliceCopyOnly = await token('alice', ['repository:alice/copy:pull,push']);
  assertFallback(await mount(reg.url, 'alice/copy', secret, undefined, aliceCopyOnly), 'alice/copy', 'alice without the source in her token');
  const alice = await token('alice', ['repository:alice/copy:pull,push', 'repository:alice/private:pull']);
  const mounted = await mount(reg.url, 'alice/copy', secret, undefined, alice);
  assert.equal(mounted.status, 201);
  assert.equal(mounted.headers.location, `/v2/alice/copy/blobs/${secret}`);
  assert.equal((await request(reg.url, { path: `/v2/alice/copy/blobs/${secret}`, headers: alice })).body.toString(), 'alice secret layer');

  // A blob Alice also put in shared/base: Bob mounts it without `from` when his token may pull shared/base.
  const both = await upload(reg.url, 'alice/private', 'base layer', alicePush);
  await upload(reg.url, 'shared/base', 'base layer', await token('alice', ['repository:shared/base:pull,push']));
  assertFallback(await mount(reg.url, 'bob/app', both, undefined, bob), 'bob/app', 'shared/base not in his token');
  const bobShared = await token('bob', ['repository:bob/app:pull,push', 'repository:shared/base:pull']);
  assert.equal((await mount(reg.url, 'bob/app', both, undefined, bobShared)).status, 201);
  assert.equal((await mount(reg.url, 'bob/app2', both, 'shared/base', await token('bob', ['repository:bob/app2:pull,push', 'repository:shared/base:pull']))).status, 201);
  // ...and still never the secret one, whatever else his token holds.
  assertFallback(await mount(reg.url, 'bob/app', secret, undefined, bobShared), 'bob/app', 'secret with shared token');
  assert.equal((await request(reg.url, { method: 'HEAD', path: `/v2/bob/app/blobs/${secret}`, headers: bobShared })).status, 404);
});

test('a blob deleted from every repository is not mountable, even where it is still on disk', async (t) => {
  const { reg, token } = await tokenRegistry(t);
  const alice = await token('alice', ['repository:alice/a:pull,push,delete', 'repository:alice/b:pull,push']);
  const d = await upload(reg.url, 'alice/a', 'soon unlinked', alice);
  assert.equal((await request(reg.url, { method: 'DELETE', path: `/v2/alice/a/blobs/${d}`, headers: alice })).status, 202);
  for (const from of [undefined, 'alice/a']) assertFallback(await mount(reg.url, 'alice/b', d, from, alice), 'alice/b', `from=${from}`);
  // the same without auth: no repository holds it any more
  const open = await startTestRegistry(t);
  const d2 = await upload(open.url, 'a', 'soon unlinked', {});
  assert.equal((await request(open.url, { method: 'DELETE', path: `/v2/a/blobs/${d2}` })).status, 202);
  assertFallback(await mount(open.url, 'b', d2, undefined, {}), 'b', 'open registry');
});

test('with htpasswd Basic auth every user may pull every repository, so a mount without from finds the blob anywhere', async (t) => {
  const dir = await makeTempDir(t, 'mount-basic');
  const reg = await startTestRegistry(t, { htpasswd: await htpasswdFile(dir) });
  const d = await upload(reg.url, 'alice/private', 'a layer', basic('alice'));
  assert.equal((await mount(reg.url, 'bob/app', d, undefined, {})).status, 401);
  const r = await mount(reg.url, 'bob/app', d, undefined, basic('bob'));
  assert.equal(r.status, 201);
  assert.equal((await request(reg.url, { path: `/v2/bob/app/blobs/${d}`, headers: basic('bob') })).body.toString(), 'a layer');
  assertFallback(await mount(reg.url, 'bob/app', sha256('never pushed'), undefined, basic('bob')), 'bob/app', 'unknown digest');
});

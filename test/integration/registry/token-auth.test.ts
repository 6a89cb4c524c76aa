/**
 * Bearer token auth (distribution token spec) on the Berth registry: the 401
 * challenge, the built-in token server, refusals of bad tokens, skopeo's token
 * flow, tokens from a foreign issuer (x5c chain), and the reference registry
 * trusting tokens of Berth's token server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { SignJWT } from 'jose';
import { DEFAULT_ISSUER, DEFAULT_SERVICE } from '../../../src/registry/auth/configure.js';
import type { StartRegistryOptions } from '../../../src/registry/server.js';
import { makeBusyboxOciLayout, readLayoutManifest, sha256 } from './kit/oci-layout.js';
import { errorCode } from './kit/push.js';
import { referenceRegistrySkip, startReferenceRegistry } from './kit/reference-registry.js';
import { listFiles, makeTempDir, request, skopeo, startTestRegistry, type RawResponse } from './kit/registry-fixture.js';
import { bearer, claimsOf, fetchToken, makeCaAndLeaf, makeSigningKey, tokenFor, type TokenAnswer } from './kit/token-kit.js';

async function htpasswdFile(dir: string, user: string, password: string): Promise<string> {
  const f = path.join(dir, 'htpasswd');
  await fs.writeFile(f, execFileSync('htpasswd', ['-nbB', user, password]));
  return f;
}

/** A Berth registry that is its own token server: alice/s3cret, plus the given grant rules. */
async function tokenRegistry(t: import('node:test').TestContext, grants?: string[]) {
  const dir = await makeTempDir(t, 'token');
  const { key, cert } = makeSigningKey(dir);
  const htpasswd = await htpasswdFile(dir, 'alice', 's3cret');
  const reg = await startTestRegistry(t, { htpasswd, tokenAuth: { issueKey: key, ...(grants ? { grants } : {}) } });
  const realm = `${reg.url}/token`;
  const token = (scopes: string[], user: string | undefined = 'alice') =>
    tokenFor(realm, { service: DEFAULT_SERVICE, scopes, ...(user !== undefined ? { user, password: 's3cret' } : {}) });
  return { reg, dir, key, cert, realm, token };
}

function challenge(r: RawResponse): string {
  return String(r.headers['www-authenticate']);
}

test('without a token every endpoint answers 401 UNAUTHORIZED with a Bearer challenge naming the scope it needs', async (t) => {
  const { reg, realm } = await tokenRegistry(t);
  const base = `Bearer realm="${realm}",service="${DEFAULT_SERVICE}"`;
  const v2 = await request(reg.url, { path: '/v2/' });
  assert.equal(v2.status, 401);
  assert.equal(challenge(v2), base);
  assert.deepEqual(v2.json(), { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] });
  const cases: [string, string, string][] = [
    ['GET', '/v2/team/app/manifests/v1', 'repository:team/app:pull'],
    ['GET', '/v2/team/app/tags/list', 'repository:team/app:pull'],
    ['PUT', '/v2/team/app/manifests/v1', 'repository:team/app:pull,push'],
    ['POST', '/v2/team/app/blobs/uploads/', 'repository:team/app:pull,push'],
    ['DELETE', `/v2/team/app/manifests/${sha256('x')}`, 'repository:team/app:delete'],
    ['DELETE', `/v2/team/app/blobs/${sha256('x')}`, 'repository:team/app:delete'],
    ['GET', '/v2/_catalog', 'registry:catalog:*'],
  ];
  for (const [method, p, scope] of cases) {
    const r = await request(reg.url, { method, path: p });
    assert.equal(r.status, 401, `${method} ${p}`);
    assert.equal(challenge(r), `${base},scope="${scope}"`, `${method} ${p}`);
    assert.equal(errorCode(r), 'UNAUTHORIZED');
  }
  const detail = (await request(reg.url, { method: 'PUT', path: '/v2/team/app/manifests/v1' })).json<{ errors: { detail: unknown }[] }>().errors[0]!.detail;
  assert.deepEqual(detail, [
    { Type: 'repository', Name: 'team/app', Action: 'pull' },
    { Type: 'repository', Name: 'team/app', Action: 'push' },
  ]);
  const head = await request(reg.url, { method: 'HEAD', path: '/v2/team/app/manifests/v1' });
  assert.equal(head.status, 401);
  assert.equal(challenge(head), `${base},scope="repository:team/app:pull"`);
  assert.equal(head.body.length, 0);
  // Basic credentials are not a token: the registry answers with the challenge again.
  const basic = await request(reg.url, { path: '/v2/', headers: { Authorization: 'Basic ' + Buffer.from('alice:s3cret').toString('base64') } });
  assert.equal(basic.status, 401);
});

test('the token server issues the asked access to alice, nothing to wrong passwords, and an empty token to anonymous clients', async (t) => {
  const { reg, realm } = await tokenRegistry(t);
  const ok = await fetchToken(realm, { service: DEFAULT_SERVICE, scopes: ['repository:team/app:pull,push', 'registry:catalog:*'], user: 'alice', password: 's3cret' });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('cache-control'), 'no-store');
  const body = (await ok.json()) as TokenAnswer;
  assert.equal(body.token, body.access_token);
  assert.equal(body.expires_in, 300);
  assert.ok(Math.abs(Date.parse(body.issued_at) - Date.now()) < 10_000);
  const c = claimsOf(body.token);
  assert.equal(c.sub, 'alice');
  assert.equal(c.aud, DEFAULT_SERVICE);
  assert.equal(c.iss, DEFAULT_ISSUER);
  assert.equal(c.exp - c.iat, 300);
  assert.deepEqual(c.access, [
    { type: 'repository', name: 'team/app', actions: ['pull', 'push'] },
    { type: 'registry', name: 'catalog', actions: ['*'] },
  ]);

  const wrong = await fetchToken(realm, { service: DEFAULT_SERVICE, scopes: ['repository:team/app:pull'], user: 'alice', password: 'nope' });
  assert.equal(wrong.status, 401);
  assert.equal(((await wrong.json()) as { errors: { code: string }[] }).errors[0]!.code, 'UNAUTHORIZED');
  const unknownUser = await fetchToken(realm, { service: DEFAULT_SERVICE, user: 'mallory', password: 's3cret' });
  assert.equal(unknownUser.status, 401);

  const anon = claimsOf(await tokenFor(realm, { service: DEFAULT_SERVICE, scopes: ['repository:team/app:pull'] }));
  assert.equal(anon.sub, '');
  assert.deepEqual(anon.access, []);
  // a token with no access still lets the client through /v2/ (that is what login checks)
  assert.equal((await request(reg.url, { path: '/v2/', headers: bearer(await tokenFor(realm, { service: DEFAULT_SERVICE })) })).status, 200);
});

test('the token server refuses path tricks in scopes, malformed scopes and other services', async (t) => {
  const { realm } = await tokenRegistry(t);
  const cases: [string[], number, string][] = [
    [['repository:../../etc:pull'], 400, 'NAME_INVALID'],
    [['repository:team/../admin:push'], 400, 'NAME_INVALID'],
    [['repository:%2e%2e/x:pull'], 400, 'NAME_INVALID'],
    [['repository:127.0.0.1:5000/x:pull'], 400, 'NAME_INVALID'],
    [['repository:a'], 400, 'UNSUPPORTED'],
    [['repository:a:pull;rm'], 400, 'UNSUPPORTED'],
  ];
  for (const [scopes, status, code] of cases) {
    const r = await fetchToken(realm, { service: DEFAULT_SERVICE, scopes, user: 'alice', password: 's3cret' });
    assert.equal(r.status, status, scopes.join(' '));
    assert.equal(((await r.json()) as { errors: { code: string }[] }).errors[0]!.code, code, scopes.join(' '));
  }
  const other = await fetchToken(realm, { service: 'another-registry', user: 'alice', password: 's3cret' });
  assert.equal(other.status, 400);
});

test('the OAuth2 password grant by POST (containerd) gives the same token; other grants are refused', async (t) => {
  const { reg } = await tokenRegistry(t);
  const form = (f: Record<string, string>) => ({ method: 'POST', path: '/token', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(f).toString() });
  const ok = await request(reg.url, form({ grant_type: 'password', username: 'alice', password: 's3cret', service: DEFAULT_SERVICE, scope: 'repository:a:pull repository:b:push', client_id: 'test' }));
  assert.equal(ok.status, 200, ok.body.toString());
  assert.deepEqual(claimsOf(ok.json<TokenAnswer>().access_token).access, [
    { type: 'repository', name: 'a', actions: ['pull'] },
    { type: 'repository', name: 'b', actions: ['push'] },
  ]);
  assert.equal((await request(reg.url, form({ grant_type: 'password', username: 'alice', password: 'x', service: DEFAULT_SERVICE }))).status, 401);
  assert.equal((await request(reg.url, form({ grant_type: 'refresh_token', refresh_token: 'abc', service: DEFAULT_SERVICE }))).status, 400);
  assert.equal((await request(reg.url, { method: 'POST', path: '/token', body: 'grant_type=password' })).status, 400);
});

test('a token covering pull only gets 403 DENIED on push, with an insufficient_scope challenge; pull works', async (t) => {
  const { reg, token } = await tokenRegistry(t);
  const full = await token(['repository:team/app:pull,push']);
  const img = await pushImageWith(reg.url, 'team/app', full);
  const pullOnly = await token(['repository:team/app:pull']);
  const get = await request(reg.url, { path: '/v2/team/app/manifests/v1', headers: { ...bearer(pullOnly), Accept: 'application/vnd.oci.image.manifest.v1+json' } });
  assert.equal(get.status, 200);
  assert.equal(get.headers['docker-content-digest'], img);
  const put = await request(reg.url, { method: 'POST', path: '/v2/team/app/blobs/uploads/', headers: bearer(pullOnly) });
  assert.equal(put.status, 403);
  assert.equal(errorCode(put), 'DENIED');
  assert.deepEqual(put.json<{ errors: { detail: unknown }[] }>().errors[0]!.detail, [{ Type: 'repository', Name: 'team/app', Action: 'push' }]);
  assert.match(challenge(put), /scope="repository:team\/app:pull,push",error="insufficient_scope"$/);
  // the same token names another repository: nothing there
  const elsewhere = await request(reg.url, { path: '/v2/team/other/tags/list', headers: bearer(pullOnly) });
  assert.equal(elsewhere.status, 403);
  // delete needs 'delete', which pull,push does not include
  const del = await request(reg.url, { method: 'DELETE', path: `/v2/team/app/manifests/${img}`, headers: bearer(full) });
  assert.equal(del.status, 403);
  const delToken = await token(['repository:team/app:delete']);
  assert.equal((await request(reg.url, { method: 'DELETE', path: `/v2/team/app/manifests/${img}`, headers: bearer(delToken) })).status, 202);
  // the catalog needs registry:catalog:*
  assert.equal((await request(reg.url, { path: '/v2/_catalog', headers: bearer(full) })).status, 403);
  assert.equal((await request(reg.url, { path: '/v2/_catalog', headers: bearer(await token(['registry:catalog:*'])) })).status, 200);
});

/** pushImage with a bearer token on every request. */
async function pushImageWith(url: string, repo: string, token: string): Promise<string> {
  const layer = Buffer.from(`layer of ${repo}`);
  const config = Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}');
  for (const b of [layer, config]) {
    const r = await request(url, { method: 'POST', path: `/v2/${repo}/blobs/uploads/?digest=${sha256(b)}`, body: b, headers: bearer(token) });
    assert.equal(r.status, 201, r.body.toString());
  }
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer), size: layer.length }],
    }),
  );
  const r = await request(url, { method: 'PUT', path: `/v2/${repo}/manifests/v1`, body: manifest, headers: { ...bearer(token), 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' } });
  assert.equal(r.status, 201, r.body.toString());
  return sha256(manifest);
}

test('expired, foreign-signed, wrong-audience, forged and malformed tokens get 401 invalid_token and change nothing', async (t) => {
  const { reg, key, dir, token } = await tokenRegistry(t);
  const signer = createPrivateKey(await fs.readFile(key));
  const now = Math.floor(Date.now() / 1000);
  const access = [{ type: 'repository', name: 'team/app', actions: ['pull', 'push'] }];
  const make = (claims: Record<string, unknown>, k = signer) =>
    new SignJWT({ iss: DEFAULT_ISSUER, aud: DEFAULT_SERVICE, sub: 'alice', iat: now, nbf: now, exp: now + 300, access, ...claims }).setProtectedHeader({ alg: 'ES256', typ: 'JWT' }).sign(k);
  const other = createPrivateKey(await fs.readFile(makeSigningKey(dir, 'other').key));
  const good = await token(['repository:team/app:pull,push']);
  const [h, , s] = good.split('.');
  const forgedPayload = Buffer.from(JSON.stringify({ ...claimsOf(good), access: [{ type: 'repository', name: 'team/app', actions: ['*'] }] })).toString('base64url');
  const bad: [string, string][] = [
    ['expired', await make({ iat: now - 7200, nbf: now - 7200, exp: now - 3600 })],
    ['not yet valid', await make({ nbf: now + 3600 })],
    ['foreign key', await make({}, other)],
    ['wrong audience', await make({ aud: 'another-registry' })],
    ['wrong issuer', await make({ iss: 'someone' })],
    ['forged payload', `${h}.${forgedPayload}.${s}`],
    ['not a JWT', 'abc.def'],
    ['garbage', '%00%2e%2e'],
    ['empty header', 'e30.e30.e30'],
  ];
  const before = await listFiles(path.join(reg.data, 'blobs'));
  for (const [what, tok] of bad) {
    const r = await request(reg.url, { method: 'POST', path: `/v2/team/app/blobs/uploads/?digest=${sha256('x')}`, body: 'x', headers: bearer(tok) });
    assert.equal(r.status, 401, what);
    assert.equal(errorCode(r), 'UNAUTHORIZED', what);
    assert.match(challenge(r), /error="invalid_token"$/, what);
  }
  assert.deepEqual(await listFiles(path.join(reg.data, 'blobs')), before, 'nothing stored');
  const noScheme = await request(reg.url, { path: '/v2/', headers: { Authorization: good } });
  assert.equal(noScheme.status, 401);
  // the genuine token does the same upload
  assert.equal((await request(reg.url, { method: 'POST', path: `/v2/team/app/blobs/uploads/?digest=${sha256('x')}`, body: 'x', headers: bearer(good) })).status, 201);
});

test('mounting a blob needs pull on the source repository; without it the client gets an upload session', async (t) => {
  const { reg, token } = await tokenRegistry(t, ['alice=repository:src/*:pull,push', 'alice=repository:dst/*:pull,push', 'bob=repository:dst/*:pull,push']);
  const srcToken = await token(['repository:src/a:pull,push']);
  const blob = Buffer.from('shared layer');
  assert.equal((await request(reg.url, { method: 'POST', path: `/v2/src/a/blobs/uploads/?digest=${sha256(blob)}`, body: blob, headers: bearer(srcToken) })).status, 201);
  const mount = `/v2/dst/b/blobs/uploads/?mount=${sha256(blob)}&from=src/a`;
  // only push on dst: the registry must not hand over src's blob
  const dstOnly = await token(['repository:dst/b:pull,push']);
  const refused = await request(reg.url, { method: 'POST', path: mount, headers: bearer(dstOnly) });
  assert.equal(refused.status, 202);
  // without `from` either: no repository this token may pull holds the blob
  assert.equal((await request(reg.url, { method: 'POST', path: `/v2/dst/b/blobs/uploads/?mount=${sha256(blob)}`, headers: bearer(dstOnly) })).status, 202);
  assert.equal((await request(reg.url, { path: `/v2/dst/b/blobs/${sha256(blob)}`, headers: bearer(dstOnly) })).status, 404);
  const both = await token(['repository:dst/b:pull,push', 'repository:src/a:pull']);
  const mounted = await request(reg.url, { method: 'POST', path: mount, headers: bearer(both) });
  assert.equal(mounted.status, 201);
  assert.equal((await request(reg.url, { path: `/v2/dst/b/blobs/${sha256(blob)}`, headers: bearer(both) })).status, 200);
});

test('grant rules: anonymous pull of public/* only; alice pushes there, anonymous cannot', async (t) => {
  const tmp = await makeTempDir(t, 'grants');
  const img = await makeBusyboxOciLayout(path.join(tmp, 'src'));
  const { reg } = await tokenRegistry(t, ['@anonymous=repository:public/*:pull', '@authenticated=repository:*:pull,push']);
  const ref = `docker://${reg.host}/public/bb:1`;
  await assert.rejects(skopeo(['copy', '--dest-tls-verify=false', `oci:${img.dir}:latest`, ref]), /denied|unauthorized|403|401/i);
  await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', 'alice:s3cret', `oci:${img.dir}:latest`, ref]);
  const anon = JSON.parse((await skopeo(['inspect', '--tls-verify=false', ref])).stdout) as { Digest: string };
  assert.equal(anon.Digest, img.manifestDigest);
  await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', 'alice:s3cret', `oci:${img.dir}:latest`, `docker://${reg.host}/private/bb:1`]);
  await assert.rejects(skopeo(['inspect', '--tls-verify=false', `docker://${reg.host}/private/bb:1`]), /denied|unauthorized|403|401/i);
});

test('skopeo pushes and pulls through the token flow with --dest-creds/--src-creds; identical digests', async (t) => {
  const tmp = await makeTempDir(t, 'skopeo-token');
  const img = await makeBusyboxOciLayout(path.join(tmp, 'src'));
  const { reg } = await tokenRegistry(t);
  const ref = `docker://${reg.host}/secure/bb:1`;
  // anonymous: a token with no access, then 403 on the first blob check
  await assert.rejects(skopeo(['copy', '--dest-tls-verify=false', `oci:${img.dir}:latest`, ref]), /403|forbidden|denied/i);
  await assert.rejects(skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', 'alice:wrong', `oci:${img.dir}:latest`, ref]), /unauthorized|401/i);
  await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', 'alice:s3cret', `oci:${img.dir}:latest`, ref]);
  const inspect = JSON.parse((await skopeo(['inspect', '--tls-verify=false', '--creds', 'alice:s3cret', ref])).stdout) as { Digest: string };
  assert.equal(inspect.Digest, img.manifestDigest);
  const tags = JSON.parse((await skopeo(['list-tags', '--tls-verify=false', '--creds', 'alice:s3cret', `docker://${reg.host}/secure/bb`])).stdout) as { Tags: string[] };
  assert.deepEqual(tags.Tags, ['1']);
  const back = path.join(tmp, 'back');
  await skopeo(['copy', '--src-tls-verify=false', '--src-creds', 'alice:s3cret', ref, `oci:${back}:copied`]);
  assert.equal((await readLayoutManifest(back, 'copied')).digest, img.manifestDigest);
  // copy between two repositories of the same registry: skopeo asks to mount with pull on the source
  await skopeo(['copy', '--src-tls-verify=false', '--dest-tls-verify=false', '--src-creds', 'alice:s3cret', '--dest-creds', 'alice:s3cret', ref, `docker://${reg.host}/secure/copy:1`]);
  assert.equal((JSON.parse((await skopeo(['inspect', '--tls-verify=false', '--creds', 'alice:s3cret', `docker://${reg.host}/secure/copy:1`])).stdout) as { Digest: string }).Digest, img.manifestDigest);
});

test('tokens of a foreign token server verify by their x5c chain to --auth-token-rootcert; other chains do not', async (t) => {
  const dir = await makeTempDir(t, 'x5c');
  const trusted = makeCaAndLeaf(dir, 'trusted');
  const rogue = makeCaAndLeaf(dir, 'rogue');
  const reg = await startTestRegistry(t, {
    tokenAuth: { realm: 'https://auth.example/token', service: 'registry.example', issuer: 'auth.example', rootCert: trusted.caCert },
  });
  const der = (pem: string) => pem.replace(/-----[A-Z ]+-----|\s/g, '');
  const make = async (leaf: { leafKey: string; leafCert: string; caCert: string }, chain: 'leaf' | 'leaf+ca') => {
    const x5c = [der(await fs.readFile(leaf.leafCert, 'utf8'))];
    if (chain === 'leaf+ca') x5c.push(der(await fs.readFile(leaf.caCert, 'utf8')));
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iss: 'auth.example', aud: 'registry.example', sub: 'carol', iat: now, nbf: now, exp: now + 120, access: [{ type: 'repository', name: 'app', actions: ['pull', 'push'] }] })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', x5c })
      .sign(createPrivateKey(await fs.readFile(leaf.leafKey)));
  };
  const challenge401 = await request(reg.url, { path: '/v2/app/tags/list' });
  assert.equal(challenge(challenge401), 'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:app:pull"');
  for (const chain of ['leaf', 'leaf+ca'] as const) {
    const ok = await request(reg.url, { method: 'POST', path: `/v2/app/blobs/uploads/?digest=${sha256(chain)}`, body: chain, headers: bearer(await make(trusted, chain)) });
    assert.equal(ok.status, 201, `${chain}: ${ok.body.toString()}`);
  }
  // the token endpoint exists only when Berth issues tokens itself
  assert.equal((await request(reg.url, { path: '/token' })).status, 404);
  for (const chain of ['leaf', 'leaf+ca'] as const) {
    const r = await request(reg.url, { path: '/v2/app/tags/list', headers: bearer(await make(rogue, chain)) });
    assert.equal(r.status, 401, chain);
    assert.match(errorCodeMessage(r), /certificate chain/);
  }
  // a rogue leaf presenting the trusted CA in its chain is not signed by it
  const spoof = { ...rogue, caCert: trusted.caCert };
  assert.equal((await request(reg.url, { path: '/v2/app/tags/list', headers: bearer(await make(spoof, 'leaf+ca')) })).status, 401);
});

function errorCodeMessage(r: RawResponse): string {
  return r.json<{ errors: { message: string }[] }>().errors[0]!.message;
}

test("the reference registry trusts tokens from Berth's token server: skopeo pushes and pulls through it", { skip: referenceRegistrySkip() }, async (t) => {
  const tmp = await makeTempDir(t, 'ref-token');
  const img = await makeBusyboxOciLayout(path.join(tmp, 'src'));
  const { realm, cert } = await tokenRegistry(t);
  const ref = await startReferenceRegistry(t, { token: { realm, service: DEFAULT_SERVICE, issuer: DEFAULT_ISSUER, rootcertbundle: cert } });
  const dest = `docker://${ref.host}/team/bb:1`;
  await assert.rejects(skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', 'alice:wrong', `oci:${img.dir}:latest`, dest]), /unauthorized|401/i);
  await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', 'alice:s3cret', `oci:${img.dir}:latest`, dest]);
  const back = path.join(tmp, 'back');
  await skopeo(['copy', '--src-tls-verify=false', '--src-creds', 'alice:s3cret', dest, `oci:${back}:copied`]);
  assert.equal((await readLayoutManifest(back, 'copied')).digest, img.manifestDigest);
});

test('bad token auth options fail the start with the flag in the message', async (t) => {
  const dir = await makeTempDir(t, 'token-config');
  const { key, cert } = makeSigningKey(dir);
  const htpasswd = await htpasswdFile(dir, 'alice', 'x');
  const cases: [Partial<StartRegistryOptions>, RegExp][] = [
    [{ tokenAuth: { realm: 'https://a/token', service: 's', issuer: 'i' } }, /--auth-token-rootcert/],
    [{ htpasswd, tokenAuth: { realm: 'https://a/token', service: 's', issuer: 'i', rootCert: cert } }, /--htpasswd/],
    [{ tokenAuth: { issueKey: cert } }, /--auth-token-issue-key/],
    [{ tokenAuth: { issueKey: key, rootCert: key } }, /--auth-token-rootcert/],
    [{ tokenAuth: { issueKey: key, grants: ['everyone'] } }, /--auth-token-grant/],
    [{ tokenAuth: { issueKey: key, ttlSec: 10 } }, /--auth-token-ttl/],
    [{ tokenAuth: { issueKey: key, realm: 'ftp://x' } }, /--auth-token-realm/],
    [{ tokenAuth: { issueKey: key, service: 'a"b' } }, /--auth-token-service/],
  ];
  for (const [opts, msg] of cases) {
    await assert.rejects(startTestRegistry(t, { data: path.join(dir, 'data'), ...opts }), msg, JSON.stringify(opts));
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSecretKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { TokenIssuer } from './token-issuer.js';
import { InvalidTokenError, TokenVerifier } from './token-verifier.js';
import { libtrustKeyId, trustedKey } from './trust-bundle.js';

const ISS = 'test-issuer';
const AUD = 'test-registry';
const access = [{ type: 'repository', name: 'a/b', actions: ['pull', 'push'] }];

function ecKey(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

function verifierFor(...keys: KeyObject[]): TokenVerifier {
  return new TokenVerifier({ issuer: ISS, service: AUD, trust: { keys: keys.map(trustedKey), certs: [] } });
}

/** A JWT as a foreign token server would make it; `claims` override the valid defaults. */
async function sign(key: KeyObject, alg: string, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: ISS, aud: AUD, sub: 'alice', iat: now, nbf: now, exp: now + 300, access, ...claims })
    .setProtectedHeader({ alg, typ: 'JWT', ...header })
    .sign(key);
}

async function refusal(v: TokenVerifier, token: string): Promise<string> {
  try {
    await v.verify(token);
  } catch (e) {
    assert.ok(e instanceof InvalidTokenError, `expected InvalidTokenError, got ${String(e)}`);
    return e.message;
  }
  assert.fail('token was accepted');
}

test('tokens of the issuer verify with its key: ES256, RS256 and EdDSA, with or without kid', async () => {
  for (const [type, opts] of [['ec', { namedCurve: 'P-256' }], ['rsa', { modulusLength: 2048 }], ['ed25519', {}]] as const) {
    const { privateKey, publicKey } = generateKeyPairSync(type as 'rsa', opts as { modulusLength: number });
    const issuer = new TokenIssuer({ issuer: ISS, service: AUD, key: privateKey, ttlSec: 300 });
    const t = await issuer.issue('alice', access);
    assert.equal(t.expiresIn, 300);
    assert.deepEqual(await verifierFor(ecKey().publicKey, publicKey).verify(t.token), { subject: 'alice', access });
    const header = JSON.parse(Buffer.from(t.token.split('.')[0]!, 'base64url').toString()) as { kid: string; alg: string };
    assert.equal(header.kid, libtrustKeyId(publicKey));
    // a token without kid is tried against every trusted key
    const bare = await sign(privateKey, header.alg);
    assert.equal((await verifierFor(ecKey().publicKey, publicKey).verify(bare)).subject, 'alice');
  }
});

test('a signature by an untrusted key is refused, with or without a kid naming a trusted key', async () => {
  const trusted = ecKey();
  const other = ecKey();
  const v = verifierFor(trusted.publicKey);
  assert.match(await refusal(v, await sign(other.privateKey, 'ES256')), /signature/);
  assert.match(await refusal(v, await sign(other.privateKey, 'ES256', {}, { kid: libtrustKeyId(trusted.publicKey) })), /signature/);
  assert.match(await refusal(v, await sign(other.privateKey, 'ES256', {}, { kid: libtrustKeyId(other.publicKey) })), /unknown key/);
});

test('expired, not-yet-valid, wrong issuer, wrong audience and exp-less tokens are refused', async () => {
  const k = ecKey();
  const v = verifierFor(k.publicKey);
  const now = Math.floor(Date.now() / 1000);
  assert.match(await refusal(v, await sign(k.privateKey, 'ES256', { exp: now - 3600, nbf: now - 4000, iat: now - 4000 })), /expired/);
  assert.match(await refusal(v, await sign(k.privateKey, 'ES256', { nbf: now + 3600 })), /nbf/);
  assert.match(await refusal(v, await sign(k.privateKey, 'ES256', { iss: 'someone-else' })), /iss/);
  assert.match(await refusal(v, await sign(k.privateKey, 'ES256', { aud: 'another-registry' })), /aud/);
  assert.match(await refusal(v, await sign(k.privateKey, 'ES256', { exp: undefined })), /exp/);
  // within the 60 s leeway an expired token still passes, as with the reference registry
  assert.equal((await v.verify(await sign(k.privateKey, 'ES256', { exp: now - 10 }))).subject, 'alice');
  // aud may be a list that contains the service
  assert.equal((await v.verify(await sign(k.privateKey, 'ES256', { aud: ['x', AUD] }))).subject, 'alice');
});

test('alg none and HMAC keyed with the public key (algorithm confusion) are refused', async () => {
  const k = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const v = verifierFor(k.publicKey);
  const now = Math.floor(Date.now() / 1000);
  const unsigned = new UnsecuredJWT({ iss: ISS, aud: AUD, sub: 'alice', exp: now + 300, access }).encode();
  await refusal(v, unsigned);
  await refusal(v, unsigned + 'AAAA');
  const hmacKey = createSecretKey(Buffer.from(String(k.publicKey.export({ type: 'spki', format: 'pem' }))));
  assert.match(await refusal(v, await sign(hmacKey, 'HS256')), /algorithm|signature|key/);
});

test('a payload changed after signing no longer verifies', async () => {
  const k = ecKey();
  const token = await sign(k.privateKey, 'ES256', { access: [{ type: 'repository', name: 'a/b', actions: ['pull'] }] });
  const [h, p, s] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as { access: { actions: string[] }[] };
  claims.access[0]!.actions = ['pull', 'push', 'delete'];
  const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
  assert.match(await refusal(verifierFor(k.publicKey), forged), /signature/);
});

test('malformed tokens and access claims are refused as invalid tokens', async () => {
  const k = ecKey();
  const v = verifierFor(k.publicKey);
  for (const junk of ['', 'abc', 'a.b', 'a.b.c.d', 'a.b.c!', '%%%.x.y', `${'a'.repeat(20000)}.b.c`, 'eyJhbGciOiJFUzI1NiJ9.e30.', 'bm90IGpzb24.e30.AAAA']) {
    await refusal(v, junk);
  }
  for (const bad of [{ access: 'repository:a:pull' }, { access: [{ type: 'repository', name: 'a' }] }, { access: [{ type: 'repository', name: '../etc', actions: ['pull'] }] }, { access: [null] }, { access: [{ type: 1, name: 'a', actions: [] }] }]) {
    await refusal(v, await sign(k.privateKey, 'ES256', bad));
  }
  // no access claim at all: a valid token that grants nothing
  assert.deepEqual((await v.verify(await sign(k.privateKey, 'ES256', { access: undefined }))).access, []);
});

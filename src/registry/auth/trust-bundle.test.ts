import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { jwkThumbprint, libtrustKeyId, parseTrustBundle, TrustBundleError } from './trust-bundle.js';

test("libtrust key ID of the token spec's example key is the kid the spec shows", () => {
  // The ES256 example key of the distribution token spec (jwt.md) and its kid.
  const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: 'm7zUpx3b-zmVE5cymSs64POG9QcyEpJaYCD82-549_Q', y: 'dU3biz8sZ_8GPB-odm8Wxz3lNDr1xcAQQPQaOcr1fmc' }, format: 'jwk' });
  assert.equal(libtrustKeyId(key), 'PYYO:TEWU:V7JH:26JV:AQTZ:LJC3:SXVJ:XGHA:34F2:2LAQ:ZRMK:Z7Q6');
});

test('RFC 7638 thumbprints agree with jose for RSA, EC and Ed25519 keys', async () => {
  for (const [type, opts] of [['rsa', { modulusLength: 2048 }], ['ec', { namedCurve: 'P-384' }], ['ed25519', {}]] as const) {
    const { publicKey } = generateKeyPairSync(type as 'rsa', opts as { modulusLength: number });
    assert.equal(jwkThumbprint(publicKey), await calculateJwkThumbprint(publicKey.export({ format: 'jwk' }) as JWK), type);
  }
});

test('a bundle takes PUBLIC KEY blocks and refuses private keys and empty files', () => {
  const a = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const b = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = `junk before\n${a.publicKey.export({ type: 'spki', format: 'pem' })}\n${b.publicKey.export({ type: 'spki', format: 'pem' })}`;
  const bundle = parseTrustBundle(pem);
  assert.deepEqual(bundle.keys.map((k) => k.libtrustId), [libtrustKeyId(a.publicKey), libtrustKeyId(b.publicKey)]);
  assert.throws(() => parseTrustBundle(String(a.privateKey.export({ type: 'pkcs8', format: 'pem' }))), TrustBundleError);
  assert.throws(() => parseTrustBundle('no pem here'), TrustBundleError);
  assert.throws(() => parseTrustBundle('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'), TrustBundleError);
});

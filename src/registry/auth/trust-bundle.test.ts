import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { jwkThumbprint, libtrustKeyId, parseTrustBundle, TrustBundleError } from './trust-bundle.js';

test("libtrust key ID of the token spec's example key is the kid the spec shows", () => {
  // The ES256 example key of the distribution token spec (jwt.md) and its kid.
  const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: 'm7zUpx3b-zmVE5cymSs64POG9QcyEpJaYCD82-549_Q', y: 'dU3biz8sZ_8GPB-odm8Wxz3lNDr1xcAQQPQaOcr1fmc' }, format: 'jwk' });
  assert.equal(libtrustKeyId(key), 'PYYO:TEWU:V7JH:26JV:AQTZ:LJC3:SXVJ:XGHA:34F2:2LAQ:ZRMK:Z7Q6');
});

test("RFC 7638's example RSA key has the thumbprint the RFC shows", () => {
  // RFC 7638 section 3.1; a fixed vector instead of comparing with jose, whose webcrypto digest kept
  // this file's process alive after its tests twice under load.
  const key = createPublicKey({
    key: {
      kty: 'RSA',
      e: 'AQAB',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
    },
    format: 'jwk',
  });
  assert.equal(jwkThumbprint(key), 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
});

test('thumbprints of EC and Ed25519 keys differ per key and are base64url sha256', () => {
  for (const [type, opts] of [['ec', { namedCurve: 'P-384' }], ['ed25519', {}]] as const) {
    const a = generateKeyPairSync(type as 'ec', opts as { namedCurve: string }).publicKey;
    const b = generateKeyPairSync(type as 'ec', opts as { namedCurve: string }).publicKey;
    assert.match(jwkThumbprint(a), /^[A-Za-z0-9_-]{43}$/, type);
    assert.notEqual(jwkThumbprint(a), jwkThumbprint(b), type);
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

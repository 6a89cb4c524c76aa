/**
 * Signs short-lived access tokens in the distribution JWT format: `iss`, `sub`,
 * `aud` (the service), `iat`/`nbf`/`exp`, a random `jti` and the `access` list.
 * The header carries the libtrust `kid` of the signing key, which is how the
 * reference registry (and ours) picks the key out of its root bundle.
 */
import { createPrivateKey, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { SignJWT } from 'jose';
import type { AccessEntry } from './scope.js';
import { libtrustKeyId } from './trust-bundle.js';

export interface TokenIssuerOptions {
  issuer: string;
  service: string;
  key: KeyObject;
  /** token lifetime; the spec asks for at least 60 s */
  ttlSec: number;
  now?: () => number;
}

export interface IssuedToken {
  token: string;
  expiresIn: number;
  issuedAt: Date;
}

export class SigningKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SigningKeyError';
  }
}

/** The JWS algorithm for a private key: RS256 for RSA, ES256/384/512 by curve, EdDSA for Ed25519. */
export function signingAlgorithm(key: KeyObject): string {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const alg = ({ prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' } as Record<string, string>)[curve ?? ''];
    if (alg) return alg;
    throw new SigningKeyError(`unsupported EC curve ${curve ?? '?'} (use P-256, P-384 or P-521)`);
  }
  throw new SigningKeyError(`unsupported signing key type ${key.asymmetricKeyType ?? '?'} (use RSA, EC or Ed25519)`);
}

export async function loadSigningKey(file: string): Promise<KeyObject> {
  let key: KeyObject;
  try {
    key = createPrivateKey(await fs.readFile(file));
  } catch (e) {
    throw new SigningKeyError(`${file}: not a PEM private key: ${(e as Error).message}`);
  }
  signingAlgorithm(key);
  return key;
}

export class TokenIssuer {
  readonly publicKey: KeyObject;
  readonly keyId: string;
  private readonly alg: string;
  private readonly now: () => number;

  constructor(private readonly opts: TokenIssuerOptions) {
    this.alg = signingAlgorithm(opts.key);
    this.publicKey = createPublicKey(opts.key);
    this.keyId = libtrustKeyId(this.publicKey);
    this.now = opts.now ?? Date.now;
  }

  get service(): string {
    return this.opts.service;
  }

  /** A token for `subject` ('' when anonymous) carrying exactly `access`. */
  async issue(subject: string, access: AccessEntry[]): Promise<IssuedToken> {
    const issuedAt = new Date(Math.floor(this.now() / 1000) * 1000);
    const iat = issuedAt.getTime() / 1000;
    const token = await new SignJWT({ access })
      .setProtectedHeader({ alg: this.alg, typ: 'JWT', kid: this.keyId })
      .setIssuer(this.opts.issuer)
      .setSubject(subject)
      .setAudience(this.opts.service)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(iat + this.opts.ttlSec)
      .setJti(randomBytes(16).toString('base64url'))
      .sign(this.opts.key);
    return { token, expiresIn: this.opts.ttlSec, issuedAt };
  }
}

/**
 * The keys a registry trusts to sign bearer tokens: a PEM file of certificates
 * and/or public keys (`--auth-token-rootcert`). Keys are found by the JWT
 * header's `kid` (Docker's libtrust key ID, or the RFC 7638 thumbprint) or by an
 * `x5c` chain that ends in one of the certificates. Reading files and Node's
 * crypto only; no JWT logic here.
 */
import { createHash, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { promises as fs } from 'node:fs';

export interface TrustedKey {
  key: KeyObject;
  /** libtrust key ID: what Docker's token servers put in `kid` */
  libtrustId: string;
  /** RFC 7638 JWK thumbprint (base64url), what JOSE-minded issuers put in `kid` */
  thumbprint: string;
}

export interface TrustBundle {
  keys: TrustedKey[];
  /** trust anchors for `x5c` chains */
  certs: X509Certificate[];
}

export class TrustBundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrustBundleError';
  }
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(data: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of data) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** libtrust's key ID: base32 of the first 240 bits of SHA-256(DER SubjectPublicKeyInfo), in groups of four. */
export function libtrustKeyId(key: KeyObject): string {
  const spki = key.export({ type: 'spki', format: 'der' });
  const id = base32(createHash('sha256').update(spki).digest().subarray(0, 30));
  return id.match(/.{4}/g)!.join(':');
}

/** RFC 7638 thumbprint over the required JWK members, in lexicographic order. */
export function jwkThumbprint(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' }) as Record<string, string>;
  const members: Record<string, string[]> = { RSA: ['e', 'kty', 'n'], EC: ['crv', 'kty', 'x', 'y'], OKP: ['crv', 'kty', 'x'] };
  const names = members[jwk.kty ?? ''];
  if (!names) throw new TrustBundleError(`unsupported key type ${jwk.kty ?? '?'}`);
  const canonical = '{' + names.map((n) => `${JSON.stringify(n)}:${JSON.stringify(jwk[n])}`).join(',') + '}';
  return createHash('sha256').update(canonical).digest('base64url');
}

export function trustedKey(key: KeyObject): TrustedKey {
  return { key, libtrustId: libtrustKeyId(key), thumbprint: jwkThumbprint(key) };
}

/** Parses PEM text holding CERTIFICATE and PUBLIC KEY blocks (other blocks are an error: a private key here is a mistake). */
export function parseTrustBundle(pem: string, source = 'bundle'): TrustBundle {
  const bundle: TrustBundle = { keys: [], certs: [] };
  const re = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
  for (const m of pem.matchAll(re)) {
    const block = m[0];
    try {
      if (m[1] === 'CERTIFICATE') {
        const cert = new X509Certificate(block);
        bundle.certs.push(cert);
        bundle.keys.push(trustedKey(cert.publicKey));
      } else if (m[1] === 'PUBLIC KEY' || m[1] === 'RSA PUBLIC KEY') {
        bundle.keys.push(trustedKey(createPublicKey(block)));
      } else {
        throw new TrustBundleError(`${source}: unexpected PEM block ${m[1]} (expected CERTIFICATE or PUBLIC KEY)`);
      }
    } catch (e) {
      if (e instanceof TrustBundleError) throw e;
      throw new TrustBundleError(`${source}: cannot read ${m[1]}: ${(e as Error).message}`);
    }
  }
  if (bundle.keys.length === 0) throw new TrustBundleError(`${source}: no certificate or public key found`);
  return bundle;
}

export async function loadTrustBundle(file: string): Promise<TrustBundle> {
  return parseTrustBundle(await fs.readFile(file, 'utf8'), file);
}

/**
 * The leaf key of an `x5c` chain (base64 DER, leaf first) when every link is
 * signed by the next, all are within their validity period at `now`, and the
 * chain ends in (or is signed by) a trusted certificate. Undefined otherwise.
 */
export function verifyX5c(bundle: TrustBundle, x5c: unknown, now: Date): KeyObject | undefined {
  if (!Array.isArray(x5c) || x5c.length === 0 || x5c.length > 10 || !x5c.every((c) => typeof c === 'string')) return undefined;
  let chain: X509Certificate[];
  try {
    chain = (x5c as string[]).map((c) => new X509Certificate(Buffer.from(c, 'base64')));
  } catch {
    return undefined;
  }
  const valid = (c: X509Certificate): boolean => new Date(c.validFrom) <= now && now <= new Date(c.validTo);
  if (!chain.every(valid)) return undefined;
  for (let i = 0; i + 1 < chain.length; i++) {
    if (!chain[i]!.checkIssued(chain[i + 1]!) || !chain[i]!.verify(chain[i + 1]!.publicKey)) return undefined;
  }
  const top = chain[chain.length - 1]!;
  const anchored = bundle.certs.some((root) => valid(root) && (root.raw.equals(top.raw) || (top.checkIssued(root) && top.verify(root.publicKey))));
  return anchored ? chain[0]!.publicKey : undefined;
}

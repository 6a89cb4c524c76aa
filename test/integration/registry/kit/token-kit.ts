/**
 * Keys, certificates (made by openssl) and token requests for the bearer auth tests.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

/** An EC P-256 private key (PKCS#8) and a self-signed certificate for it. */
export function makeSigningKey(dir: string, name = 'signer'): { key: string; cert: string } {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.pem`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=${name}`], { stdio: 'ignore' });
  return { key, cert };
}

/** A CA and a leaf certificate it signed, for x5c chains. */
export function makeCaAndLeaf(dir: string, name: string): { caCert: string; caKey: string; leafKey: string; leafCert: string } {
  const ca = makeSigningKey(dir, `${name}-ca`);
  const leafKey = path.join(dir, `${name}-leaf.key`);
  const csr = path.join(dir, `${name}-leaf.csr`);
  const leafCert = path.join(dir, `${name}-leaf.pem`);
  execFileSync('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', leafKey, '-out', csr, '-subj', `/CN=${name}-leaf`], { stdio: 'ignore' });
  execFileSync('openssl', ['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-out', leafCert, '-days', '1'], { stdio: 'ignore' });
  return { caCert: ca.cert, caKey: ca.key, leafKey, leafCert };
}

export interface TokenAnswer {
  token: string;
  access_token: string;
  expires_in: number;
  issued_at: string;
}

/** GET realm?service=&scope=… as Docker clients do, with Basic credentials when given. */
export async function fetchToken(realm: string, opts: { service: string; scopes?: string[]; user?: string; password?: string }): Promise<Response> {
  const u = new URL(realm);
  u.searchParams.set('service', opts.service);
  for (const s of opts.scopes ?? []) u.searchParams.append('scope', s);
  const headers: Record<string, string> = {};
  if (opts.user !== undefined) headers.Authorization = `Basic ${Buffer.from(`${opts.user}:${opts.password ?? ''}`).toString('base64')}`;
  return fetch(u, { headers });
}

export async function tokenFor(realm: string, opts: { service: string; scopes?: string[]; user?: string; password?: string }): Promise<string> {
  const r = await fetchToken(realm, opts);
  assert.equal(r.status, 200, await r.clone().text());
  return ((await r.json()) as TokenAnswer).token;
}

/** The claims of a JWT, unverified (for checking what an issuer put in). */
export function claimsOf(token: string): { sub: string; aud: string; iss: string; exp: number; iat: number; access: { type: string; name: string; actions: string[] }[] } {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as ReturnType<typeof claimsOf>;
}

export function bearer(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}

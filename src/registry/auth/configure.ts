/**
 * Turns the registry's auth options into an access controller (and, with an
 * issuing key, the built-in token endpoint). Files are read here, once, before
 * the registry listens; mistakes in the options fail the start with a message
 * that names the flag.
 */
import { loadHtpasswd, createBasicAuth, type BasicAuthCheck } from './htpasswd.js';
import { basicAccess, openAccess, tokenAccess, type AccessController } from './access.js';
import { DEFAULT_GRANTS, parseGrantRule } from './grants.js';
import { createTokenEndpoint, type TokenEndpointOptions } from './token-endpoint.js';
import { loadSigningKey, TokenIssuer } from './token-issuer.js';
import { TokenVerifier } from './token-verifier.js';
import { loadTrustBundle, trustedKey, type TrustBundle } from './trust-bundle.js';

/** Where the built-in token server answers, on the registry's own listener. */
export const TOKEN_PATH = '/token';
export const DEFAULT_SERVICE = 'berth-registry';
export const DEFAULT_ISSUER = 'berth-token-issuer';
export const DEFAULT_TOKEN_TTL_SEC = 300;

export interface TokenAuthOptions {
  /** token endpoint URL sent in challenges; defaults to this registry's own /token when issuing */
  realm?: string;
  /** the `aud` tokens must carry and the `service` of challenges */
  service?: string;
  /** the `iss` tokens must carry */
  issuer?: string;
  /** PEM certificates/public keys whose private keys may sign tokens */
  rootCert?: string;
  /** PEM private key (RSA, EC P-256/384/521, Ed25519): serve the token endpoint and sign with it */
  issueKey?: string;
  /** access rules of the built-in token server, WHO=TYPE:NAME:ACTIONS (default: logged-in users get everything) */
  grants?: string[];
  /** lifetime of issued tokens in seconds (default 300, at least 60) */
  ttlSec?: number;
}

export interface AuthSetupOptions {
  htpasswd?: string;
  token?: TokenAuthOptions;
}

export class RegistryConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistryConfigError';
  }
}

/** What `configureAuth` loaded; `build` finishes it once the registry's URL is known. */
export interface LoadedAuth {
  build(ownUrl: string): { access: AccessController; tokenEndpoint?: ReturnType<typeof createTokenEndpoint> };
}

function checkHeaderValue(flag: string, v: string): string {
  // These go inside quoted WWW-Authenticate parameters.
  if (v === '' || /["\\\x00-\x1f\x7f]/.test(v)) throw new RegistryConfigError(`${flag}: must be non-empty, without quotes, backslashes or control characters`);
  return v;
}

async function wrap<T>(flag: string, p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    throw new RegistryConfigError(`${flag}: ${(e as Error).message}`);
  }
}

export async function configureAuth(opts: AuthSetupOptions): Promise<LoadedAuth> {
  const users: BasicAuthCheck | undefined = opts.htpasswd ? createBasicAuth(await wrap('--htpasswd', loadHtpasswd(opts.htpasswd))) : undefined;
  const t = opts.token;
  if (!t) return { build: () => ({ access: users ? basicAccess(users, 'Berth Registry') : openAccess }) };

  if (t.issueKey === undefined) {
    if (t.realm === undefined || t.service === undefined || t.issuer === undefined || t.rootCert === undefined) {
      throw new RegistryConfigError('token auth needs --auth-token-realm, --auth-token-service, --auth-token-issuer and --auth-token-rootcert (or --auth-token-issue-key for the built-in token server)');
    }
    if (users) throw new RegistryConfigError('--htpasswd with token auth only applies to the built-in token server (--auth-token-issue-key)');
    if (t.grants?.length) throw new RegistryConfigError('--auth-token-grant only applies to the built-in token server (--auth-token-issue-key)');
  }
  const service = checkHeaderValue('--auth-token-service', t.service ?? DEFAULT_SERVICE);
  const issuerName = checkHeaderValue('--auth-token-issuer', t.issuer ?? DEFAULT_ISSUER);
  if (t.realm !== undefined) {
    checkHeaderValue('--auth-token-realm', t.realm);
    if (!/^https?:\/\//.test(t.realm)) throw new RegistryConfigError(`--auth-token-realm: not an http(s) URL: ${t.realm}`);
  }
  const ttlSec = t.ttlSec ?? DEFAULT_TOKEN_TTL_SEC;
  if (!Number.isInteger(ttlSec) || ttlSec < 60) throw new RegistryConfigError('--auth-token-ttl: at least 60 seconds (the spec\'s minimum token life)');

  const trust: TrustBundle = t.rootCert ? await wrap('--auth-token-rootcert', loadTrustBundle(t.rootCert)) : { keys: [], certs: [] };
  let issuer: TokenIssuer | undefined;
  let rules: TokenEndpointOptions['rules'] = [];
  if (t.issueKey !== undefined) {
    const key = await wrap('--auth-token-issue-key', loadSigningKey(t.issueKey));
    issuer = new TokenIssuer({ issuer: issuerName, service, key, ttlSec });
    // The registry trusts its own issuer without a certificate for it.
    trust.keys.push(trustedKey(issuer.publicKey));
    try {
      rules = (t.grants?.length ? t.grants : DEFAULT_GRANTS).map(parseGrantRule);
    } catch (e) {
      throw new RegistryConfigError(`--auth-token-grant: ${(e as Error).message}`);
    }
  }
  const verifier = new TokenVerifier({ issuer: issuerName, service, trust });
  return {
    build(ownUrl) {
      const realm = t.realm ?? `${ownUrl}${TOKEN_PATH}`;
      const access = tokenAccess({ realm, service, verifier });
      if (!issuer) return { access };
      return { access, tokenEndpoint: createTokenEndpoint({ issuer, rules, realm, ...(users ? { users } : {}) }) };
    },
  };
}

/**
 * Verifies the bearer tokens of the distribution token spec: a JWT signed with
 * an asymmetric key from the trust bundle, whose `iss` is the configured issuer,
 * whose `aud` names this registry's service, that is within `nbf`..`exp`, and
 * whose `access` claim is well formed. Says nothing about whether the access
 * suffices; the access controller decides that.
 */
import type { KeyObject } from 'node:crypto';
import { decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { isValidRepoName } from '../names.js';
import type { AccessEntry } from './scope.js';
import { verifyX5c, type TrustBundle } from './trust-bundle.js';

/** Asymmetric algorithms only: an HMAC "signed" with a public key would be forgeable. */
export const TOKEN_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

export interface TokenVerifierOptions {
  issuer: string;
  service: string;
  trust: TrustBundle;
  /** accepted clock skew in seconds (default 60, the reference registry's leeway) */
  clockToleranceSec?: number;
  now?: () => number;
}

export interface VerifiedToken {
  /** `sub`; empty for anonymous tokens */
  subject: string;
  access: AccessEntry[];
}

/** Why a token was refused; the message goes back to the client in the error body. */
export class InvalidTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidTokenError';
  }
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export class TokenVerifier {
  private readonly now: () => number;
  constructor(private readonly opts: TokenVerifierOptions) {
    this.now = opts.now ?? Date.now;
  }

  async verify(token: string): Promise<VerifiedToken> {
    if (token.length > 16 * 1024 || !JWT_SHAPE.test(token)) throw new InvalidTokenError('malformed token');
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw new InvalidTokenError('malformed token header');
    }
    const candidates = this.candidateKeys(header);
    if (candidates.length === 0) throw new InvalidTokenError('token signed by an unknown key');
    let lastSignatureError: unknown;
    for (const key of candidates) {
      try {
        const { payload } = await jwtVerify(token, key, {
          issuer: this.opts.issuer,
          audience: this.opts.service,
          algorithms: TOKEN_ALGORITHMS,
          clockTolerance: this.opts.clockToleranceSec ?? 60,
          currentDate: new Date(this.now()),
          requiredClaims: ['exp'],
        });
        return { subject: typeof payload.sub === 'string' ? payload.sub : '', access: readAccess(payload) };
      } catch (e) {
        // A wrong candidate key fails the signature (or, of another type, jose's key check); try the next.
        if (e instanceof joseErrors.JWSSignatureVerificationFailed || e instanceof TypeError) {
          lastSignatureError = e;
          continue;
        }
        throw toInvalid(e);
      }
    }
    throw toInvalid(lastSignatureError);
  }

  /** The keys the header points at: the x5c leaf, the key with that kid, or (no hint) every trusted key. */
  private candidateKeys(header: ReturnType<typeof decodeProtectedHeader>): KeyObject[] {
    const { trust } = this.opts;
    if (header.x5c !== undefined) {
      const leaf = verifyX5c(trust, header.x5c, new Date(this.now()));
      if (!leaf) throw new InvalidTokenError('token certificate chain is not trusted');
      return [leaf];
    }
    if (typeof header.kid === 'string') return trust.keys.filter((k) => k.libtrustId === header.kid || k.thumbprint === header.kid).map((k) => k.key);
    return trust.keys.map((k) => k.key);
  }
}

function toInvalid(e: unknown): InvalidTokenError {
  if (e instanceof InvalidTokenError) return e;
  if (e instanceof joseErrors.JWTExpired) return new InvalidTokenError('token expired');
  if (e instanceof joseErrors.JWTClaimValidationFailed) return new InvalidTokenError(`token claim ${e.claim} invalid: ${e.message}`);
  if (e instanceof joseErrors.JWSSignatureVerificationFailed) return new InvalidTokenError('token signature invalid');
  if (e instanceof joseErrors.JOSEAlgNotAllowed || e instanceof joseErrors.JOSENotSupported) return new InvalidTokenError('token algorithm not accepted');
  if (e instanceof joseErrors.JOSEError) return new InvalidTokenError(`invalid token: ${e.message}`);
  if (e instanceof TypeError) return new InvalidTokenError('token key does not fit its algorithm'); // jose's key/alg check
  throw e;
}

/** The `access` claim, checked element by element; a malformed claim makes the whole token invalid. */
function readAccess(payload: JWTPayload): AccessEntry[] {
  const raw = payload.access;
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new InvalidTokenError('token access claim is not an array');
  return raw.map((e: unknown) => {
    const { type, name, actions } = (typeof e === 'object' && e !== null ? e : {}) as Record<string, unknown>;
    if (typeof type !== 'string' || typeof name !== 'string' || !Array.isArray(actions) || !actions.every((a) => typeof a === 'string')) {
      throw new InvalidTokenError('token access entry malformed');
    }
    // A name outside the grammar can never match a validated request name; refuse rather than carry it.
    if (type === 'repository' && !isValidRepoName(name)) throw new InvalidTokenError('token access entry names an invalid repository');
    return { type, name, actions: actions as string[] };
  });
}

/**
 * Who may do what on the registry: the server computes the access a request
 * needs (pull, push, delete on a repository; `*` on the catalog) and asks an
 * access controller. Two exist: htpasswd Basic auth (a valid user may do
 * anything) and bearer tokens (the JWT's `access` claim must cover the need).
 * Failures are the spec's errors with the challenge a client answers.
 */
import { DistributionError } from '../errors.js';
import type { BasicAuthCheck } from './htpasswd.js';
import { allows, formatScope, missingAccess, type AccessEntry } from './scope.js';
import { InvalidTokenError, type TokenVerifier } from './token-verifier.js';

/** What the authenticated caller may do beyond what was checked (a mount's source repository). */
export interface Grant {
  allows(type: string, name: string, action: string): boolean;
  /** the repositories the caller may pull from: all of them (no auth, Basic auth) or those its token names */
  pullable(): 'all' | string[];
}

export interface AccessController {
  /** Resolves when `authorization` covers `needed`; throws 401 (who are you) or 403 (not allowed) otherwise. */
  authorize(authorization: string | undefined, needed: AccessEntry[]): Promise<Grant>;
}

const EVERYTHING: Grant = { allows: () => true, pullable: () => 'all' };

/** No auth configured: everyone may do everything. */
export const openAccess: AccessController = { authorize: async () => EVERYTHING };

export function basicAccess(check: BasicAuthCheck, realm: string): AccessController {
  return {
    async authorize(authorization) {
      if (await check(authorization)) return EVERYTHING;
      throw new DistributionError(401, 'UNAUTHORIZED', { headers: { 'WWW-Authenticate': `Basic realm="${realm}"` } });
    },
  };
}

export interface TokenAccessOptions {
  /** the token endpoint clients are sent to */
  realm: string;
  service: string;
  verifier: TokenVerifier;
}

/** The spec's detail for an auth failure: one {Type, Name, Action} per missing action. */
function accessDetail(needed: { type: string; name: string; action: string }[]): { Type: string; Name: string; Action: string }[] {
  return needed.map((n) => ({ Type: n.type, Name: n.name, Action: n.action }));
}

export function tokenAccess(opts: TokenAccessOptions): AccessController {
  const challenge = (needed: AccessEntry[], error?: string): string => {
    const parts = [`realm="${opts.realm}"`, `service="${opts.service}"`];
    if (needed.length > 0) parts.push(`scope="${needed.map(formatScope).join(' ')}"`);
    if (error) parts.push(`error="${error}"`);
    return `Bearer ${parts.join(',')}`;
  };
  return {
    async authorize(authorization, needed) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
      if (!m) {
        throw new DistributionError(401, 'UNAUTHORIZED', {
          message: 'authentication required',
          ...(needed.length > 0 ? { detail: accessDetail(missingAccess([], needed)) } : {}),
          headers: { 'WWW-Authenticate': challenge(needed) },
        });
      }
      let access: AccessEntry[];
      try {
        access = (await opts.verifier.verify(m[1]!)).access;
      } catch (e) {
        if (!(e instanceof InvalidTokenError)) throw e;
        // 401, not the spec's 403: RFC 6750 says so, and it makes clients fetch a fresh token (expiry).
        throw new DistributionError(401, 'UNAUTHORIZED', { message: e.message, headers: { 'WWW-Authenticate': challenge(needed, 'invalid_token') } });
      }
      const missing = missingAccess(access, needed);
      if (missing.length > 0) {
        throw new DistributionError(403, 'DENIED', { detail: accessDetail(missing), headers: { 'WWW-Authenticate': challenge(needed, 'insufficient_scope') } });
      }
      return {
        allows: (type, name, action) => allows(access, type, name, action),
        pullable: () => access.filter((e) => allows([e], 'repository', e.name, 'pull')).map((e) => e.name),
      };
    },
  };
}

/**
 * The built-in token server's realm endpoint. GET with `?service=&scope=…`
 * (Docker, skopeo, Berth) authenticates the client by Basic auth against the
 * htpasswd users, or takes it as anonymous without credentials; POST takes the
 * OAuth2 password grant (containerd). Either way the answer is a token holding
 * the intersection of the asked and the granted access: asking for more than
 * one may have is not an error here, the registry refuses the request later.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DistributionError } from '../errors.js';
import { readBody, sendJson } from '../http-io.js';
import { intersectAccess, type GrantRule } from './grants.js';
import type { BasicAuthCheck } from './htpasswd.js';
import { parseScopes } from './scope.js';
import type { TokenIssuer } from './token-issuer.js';

export interface TokenEndpointOptions {
  issuer: TokenIssuer;
  rules: readonly GrantRule[];
  /** htpasswd users; without it only anonymous tokens exist */
  users?: BasicAuthCheck;
  realm: string;
}

const MAX_FORM_BYTES = 64 * 1024;

function basicHeader(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

export function createTokenEndpoint(opts: TokenEndpointOptions): (req: IncomingMessage, res: ServerResponse, query: URLSearchParams) => Promise<void> {
  const denied = (): DistributionError =>
    new DistributionError(401, 'UNAUTHORIZED', { message: 'incorrect username or password', headers: { 'WWW-Authenticate': `Basic realm="${opts.realm}"` } });

  /** The user name, undefined for anonymous; 401 for credentials that do not check out. */
  const authenticate = async (authorization: string | undefined): Promise<string | undefined> => {
    if (authorization === undefined || authorization === '') return undefined;
    const user = opts.users ? await opts.users(authorization) : undefined;
    if (user === undefined) throw denied();
    return user;
  };

  return async (req, res, query) => {
    let params = query;
    let authorization = req.headers.authorization;
    if (req.method === 'POST') {
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
      if (type !== 'application/x-www-form-urlencoded') throw new DistributionError(400, 'UNSUPPORTED', { message: 'token requests by POST must be form-encoded' });
      const body = await readBody(req, MAX_FORM_BYTES, () => new DistributionError(413, 'UNSUPPORTED', { message: 'token request too large' }));
      params = new URLSearchParams(body.toString('utf8'));
      const grant = params.get('grant_type');
      // No refresh tokens are handed out, so the password grant is the only one that can work.
      if (grant !== 'password') throw new DistributionError(400, 'UNSUPPORTED', { message: `unsupported grant_type ${grant ?? ''}` });
      authorization = basicHeader(params.get('username') ?? '', params.get('password') ?? '');
    } else if (req.method !== 'GET') {
      throw new DistributionError(405, 'UNSUPPORTED', { message: `method ${req.method ?? ''} not allowed` });
    }
    const service = params.get('service');
    if (service !== null && service !== opts.issuer.service) throw new DistributionError(400, 'UNSUPPORTED', { message: `unknown service ${JSON.stringify(service)}` });
    const requested = parseScopes(params.getAll('scope'));
    const user = await authenticate(authorization);
    const access = intersectAccess(opts.rules, user, requested);
    const t = await opts.issuer.issue(user ?? '', access);
    sendJson(res, 200, { token: t.token, access_token: t.token, expires_in: t.expiresIn, issued_at: t.issuedAt.toISOString() }, { 'Cache-Control': 'no-store' });
  };
}

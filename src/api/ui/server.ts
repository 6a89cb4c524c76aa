/**
 * Door 1b: the web dashboard. Serves the built page and, under /api/, the few Docker API routes the
 * page needs (endpoints.ts), dispatched in-process to api/docker's own handlers: no logic here beyond
 * who may call what. Reading is open to anyone who can reach the listener; changes need the token.
 */
import type { Server } from 'node:http';
import { isIP } from 'node:net';
import { ForbiddenError, UnauthorizedError } from '../../base/errors';
import type { Logger } from '../../base/logger';
import { API_VERSION, MIN_API_VERSION, type Engine } from '../../engine/types';
import type { Handler, RequestContext } from '../http/context';
import { createHttpServer } from '../http/http-app';
import { sendEmpty, sendJson } from '../http/respond';
import { Router } from '../http/router';
import { createErrorHook } from '../docker/errors';
import { createDockerRouter, dockerStandardHeaders } from '../docker/server';
import { sendAsset, type AssetTable } from './assets';
import { isUiEndpoint, needsToken } from './endpoints';
import { bearerMatches } from './token';

export interface UiServerOptions {
  engine: Engine;
  token: string;
  assets: AssetTable;
  /** the address the listener is bound to; a Host header may name it (besides IP literals and localhost) */
  listenHost: string;
  logger: Logger;
}

/** The page loads only its own files and talks only to its own origin; nobody may frame it. */
const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/**
 * A web page on any site can make a browser send requests here; with DNS rebinding its own host name
 * even resolves to this listener and reads the answers. Such requests carry that site's name as Host:
 * only IP literals, localhost and the listen address are served.
 */
export function hostAllowed(hostHeader: string | undefined, listenHost: string): boolean {
  if (!hostHeader) return false;
  const name = (hostHeader.startsWith('[') ? hostHeader.slice(1, hostHeader.indexOf(']')) : hostHeader.replace(/:\d+$/, '')).toLowerCase();
  return isIP(name) !== 0 || name === 'localhost' || name === listenHost.toLowerCase();
}

export function createUiServer(o: UiServerOptions): Server {
  const docker = createDockerRouter(o.engine);
  const router = new Router<Handler>();

  const guarded = (h: Handler): Handler => async (ctx) => {
    if (!hostAllowed(ctx.req.headers.host, o.listenHost)) throw new ForbiddenError(`invalid Host header: ${ctx.req.headers.host ?? ''}`, 'UI_BAD_HOST');
    await h(ctx);
  };
  const requireToken = (ctx: RequestContext) => {
    if (bearerMatches(ctx.req.headers.authorization, o.token)) return;
    ctx.res.setHeader('WWW-Authenticate', 'Bearer realm="berth-ui"');
    throw new UnauthorizedError('this dashboard is read-only until you log in with the token berthd printed at start', 'UI_TOKEN_REQUIRED');
  };
  const notFound: Handler = async (ctx) => sendJson(ctx.res, 404, { message: 'page not found' });

  const proxy: Handler = async (ctx) => {
    const path = ctx.path.slice('/api'.length); // still percent-encoded, as api/docker's router expects
    const match = docker.match(ctx.method, path);
    if (!match || !isUiEndpoint(ctx.method, match.pattern)) return notFound(ctx);
    if (needsToken(ctx.method)) requireToken(ctx);
    await match.handler({ ...ctx, path, params: match.params });
  };

  router.add('GET', '/session', guarded(async (ctx) => {
    requireToken(ctx);
    sendEmpty(ctx.res, 204);
  }));
  for (const method of ['GET', 'POST', 'DELETE']) router.add(method, '/api/*rest', guarded(proxy));
  const asset = guarded(async (ctx) => {
    if (!sendAsset(o.assets, ctx.path, ctx.req, ctx.res)) await notFound(ctx);
  });
  router.add('GET', '/', asset);
  router.add('GET', '/*file', asset);

  return createHttpServer({
    router,
    maxVersion: API_VERSION,
    minVersion: MIN_API_VERSION,
    standardHeaders: { ...dockerStandardHeaders(), ...SECURITY_HEADERS },
    notFound: guarded(notFound),
    onError: createErrorHook(o.logger),
    logger: o.logger,
  });
}

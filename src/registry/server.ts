/**
 * The registry's HTTP(S) door: routing of the spec's endpoints, the access each
 * one needs (asked of the access controller before the handler runs), the
 * built-in token endpoint, and the one place errors become the spec's JSON body.
 * Handlers live in routes/.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { promises as fs } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { silentLogger, type Logger } from '../base/logger.js';
import { openAccess, type AccessController } from './auth/access.js';
import { configureAuth, RegistryConfigError, TOKEN_PATH, type TokenAuthOptions } from './auth/configure.js';
import { CATALOG } from './auth/scope.js';
import { DistributionError } from './errors.js';
import { sendError, sendJson } from './http-io.js';
import { assertRepoName } from './names.js';
import { PullThroughCache } from './proxy/pull-through.js';
import { Upstream, UpstreamError, type UpstreamOptions } from './proxy/upstream.js';
import { Registry } from './registry.js';
import { deleteBlob, getBlob, headBlob } from './routes/blobs.js';
import type { RouteContext } from './routes/context.js';
import { listCatalog, listReferrers, listTags } from './routes/discovery.js';
import { deleteManifest, getManifest, headManifest, putManifest } from './routes/manifests.js';
import { cancelUpload, finishUpload, patchUpload, startUpload, uploadStatus } from './routes/uploads.js';

type Handler = (c: RouteContext) => Promise<void>;
type Action = 'pull' | 'push' | 'delete';
/** A handler and the repository actions it needs (as the reference registry asks: uploads need pull and push). */
type Endpoint = { h: Handler; need: readonly Action[] };

const PULL = ['pull'] as const;
const PUSH = ['pull', 'push'] as const;
const DELETE = ['delete'] as const;

// Order matters: uploads before blobs. Names may contain '/', so the name group is greedy
// and the raw (undecoded, unnormalised) path is matched: `..` then fails the name grammar.
const ROUTES: { re: RegExp; methods: Record<string, Endpoint> }[] = [
  { re: /^\/v2\/(.+)\/tags\/list$/, methods: { GET: { h: listTags, need: PULL } } },
  {
    re: /^\/v2\/(.+)\/manifests\/([^/]+)$/,
    methods: { GET: { h: getManifest, need: PULL }, HEAD: { h: headManifest, need: PULL }, PUT: { h: putManifest, need: PUSH }, DELETE: { h: deleteManifest, need: DELETE } },
  },
  { re: /^\/v2\/(.+)\/blobs\/uploads\/?()$/, methods: { POST: { h: startUpload, need: PUSH } } },
  {
    re: /^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/,
    methods: { GET: { h: uploadStatus, need: PUSH }, PATCH: { h: patchUpload, need: PUSH }, PUT: { h: finishUpload, need: PUSH }, DELETE: { h: cancelUpload, need: PUSH } },
  },
  { re: /^\/v2\/(.+)\/blobs\/([^/]+)$/, methods: { GET: { h: getBlob, need: PULL }, HEAD: { h: headBlob, need: PULL }, DELETE: { h: deleteBlob, need: DELETE } } },
  { re: /^\/v2\/(.+)\/referrers\/([^/]+)$/, methods: { GET: { h: listReferrers, need: PULL } } },
];

export interface RegistryServerOptions {
  registry: Registry;
  /** who may do what; without it every request is allowed */
  access?: AccessController;
  /** the built-in token server, answered at /token */
  tokenEndpoint?: (req: http.IncomingMessage, res: http.ServerResponse, query: URLSearchParams) => Promise<void>;
  /** makes the registry a read-only pull-through cache of an upstream */
  proxy?: PullThroughCache;
  log?: Logger;
}

/** The request listener, usable with any http/https server. */
export function createRegistryHandler(opts: RegistryServerOptions): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  const log = opts.log ?? silentLogger;
  const access = opts.access ?? openAccess;
  return (req, res) => {
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    const head = req.method === 'HEAD';
    handle(req, res).catch((e: unknown) => {
      if (res.headersSent) {
        // Mid-body failure (client gone, disk error): nothing useful can be said any more.
        log.debug({ err: String(e), url: req.url }, 'response aborted');
        res.destroy();
        return;
      }
      if (e instanceof DistributionError) return sendError(res, e, head);
      log.error({ err: e instanceof Error ? e.stack : String(e), method: req.method, url: req.url }, 'registry request failed');
      if (!res.writableEnded) sendJson(res, 500, { errors: [{ code: 'UNKNOWN', message: 'internal error' }] });
    });
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const pathname = q < 0 ? url : url.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
    const authorization = req.headers.authorization;
    if (opts.tokenEndpoint && pathname === TOKEN_PATH) return opts.tokenEndpoint(req, res, query);
    if (pathname !== '/v2' && !pathname.startsWith('/v2/')) throw new DistributionError(404, 'UNSUPPORTED', { message: 'not found' });
    if (pathname === '/v2' || pathname === '/v2/') {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed(req.method);
      await access.authorize(authorization, []);
      return sendJson(res, 200, {});
    }
    if (pathname === '/v2/_catalog') {
      if (req.method !== 'GET') throw methodNotAllowed(req.method);
      await access.authorize(authorization, [{ ...CATALOG, actions: [...CATALOG.actions] }]);
      return listCatalog(req, res, opts.registry, query);
    }
    for (const r of ROUTES) {
      const m = r.re.exec(pathname);
      if (!m) continue;
      const name = assertRepoName(m[1]!);
      const endpoint = r.methods[req.method ?? ''];
      if (!endpoint) throw methodNotAllowed(req.method);
      // A pull-through cache is read-only, as the reference proxy is.
      if (opts.proxy && endpoint.need.some((a) => a !== 'pull')) {
        throw new DistributionError(405, 'UNSUPPORTED', { message: 'this registry is a pull-through cache: pushes and deletes are not supported' });
      }
      let param: string;
      try {
        param = decodeURIComponent(m[2] ?? '');
      } catch {
        throw new DistributionError(400, 'UNSUPPORTED', { message: 'bad percent-encoding' });
      }
      const grant = await access.authorize(authorization, [{ type: 'repository', name, actions: [...endpoint.need] }]);
      log.debug({ method: req.method, name, param }, 'request');
      return endpoint.h({ req, res, registry: opts.registry, name, param, query, grant, ...(opts.proxy ? { proxy: opts.proxy } : {}) });
    }
    throw new DistributionError(404, 'UNSUPPORTED', { message: 'unknown endpoint' });
  }
}

function methodNotAllowed(method: string | undefined): DistributionError {
  return new DistributionError(405, 'UNSUPPORTED', { message: `method ${method ?? ''} not allowed` });
}

export interface StartRegistryOptions {
  /** HOST:PORT, [V6]:PORT or :PORT; port 0 picks a free one */
  addr: string;
  /** data directory (created if missing) */
  data: string;
  /** htpasswd file with bcrypt entries: Basic auth, or the users of the built-in token server */
  htpasswd?: string;
  /** bearer token auth (distribution token spec) */
  tokenAuth?: TokenAuthOptions;
  /** serve as a pull-through cache of this upstream */
  proxy?: UpstreamOptions;
  tlsCert?: string;
  tlsKey?: string;
  log?: Logger;
  /** idle upload sessions older than this are dropped (default 1 h) */
  uploadIdleMs?: number;
  /** accept manifests that reference blobs or manifests the repository lacks (off by default) */
  allowMissingBlobs?: boolean;
}

export interface RunningRegistry {
  /** base URL, e.g. http://127.0.0.1:5000 */
  url: string;
  /** HOST:PORT as clients name it (what goes in an image reference) */
  host: string;
  registry: Registry;
  server: http.Server | https.Server;
  close(): Promise<void>;
}

export function parseAddr(addr: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(addr);
  if (!m) throw new DistributionError(400, 'UNSUPPORTED', { message: `invalid address ${addr}: expected HOST:PORT` });
  const port = Number(m[3]);
  if (port > 65535) throw new DistributionError(400, 'UNSUPPORTED', { message: `invalid port in ${addr}` });
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

/** Opens the data dir (repairing after a crash), then listens. */
export async function startRegistry(opts: StartRegistryOptions): Promise<RunningRegistry> {
  const { host, port } = parseAddr(opts.addr);
  await fs.mkdir(opts.data, { recursive: true });
  const registry = new Registry(opts.data, { allowMissingBlobs: opts.allowMissingBlobs ?? false });
  await registry.open();
  const auth = await configureAuth({ ...(opts.htpasswd ? { htpasswd: opts.htpasswd } : {}), ...(opts.tokenAuth ? { token: opts.tokenAuth } : {}) });
  let proxy: PullThroughCache | undefined;
  if (opts.proxy) {
    try {
      proxy = new PullThroughCache(registry, new Upstream(opts.proxy), opts.log);
    } catch (e) {
      if (e instanceof UpstreamError || e instanceof TypeError) throw new RegistryConfigError(`--proxy-remote-url: ${e.message}`);
      throw e;
    }
  }
  const tls = opts.tlsCert !== undefined || opts.tlsKey !== undefined;
  if (tls && (!opts.tlsCert || !opts.tlsKey)) throw new Error('TLS needs both a certificate and a key');
  const server = tls ? https.createServer({ cert: await fs.readFile(opts.tlsCert!), key: await fs.readFile(opts.tlsKey!) }) : http.createServer();
  // Large layer uploads can be slow; rely on the idle-session expiry instead of a request timeout.
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const a = server.address() as AddressInfo;
  const shownHost = a.address === '0.0.0.0' || a.address === '::' ? '127.0.0.1' : a.family === 'IPv6' ? `[${a.address}]` : a.address;
  const hostPort = `${shownHost}:${a.port}`;
  const url = `${tls ? 'https' : 'http'}://${hostPort}`;
  // Attached in the same tick as listen's callback, before any request can be dispatched;
  // the default token realm needs the URL, which exists only once the port is bound.
  const { access, tokenEndpoint } = auth.build(url);
  server.on('request', createRegistryHandler({ registry, access, ...(tokenEndpoint ? { tokenEndpoint } : {}), ...(proxy ? { proxy } : {}), ...(opts.log ? { log: opts.log } : {}) }));
  const idle = opts.uploadIdleMs ?? 60 * 60 * 1000;
  const timer = setInterval(() => void registry.uploads.expire(idle).catch(() => undefined), Math.min(idle, 10 * 60 * 1000));
  timer.unref();
  return {
    url,
    host: hostPort,
    registry,
    server,
    close: async () => {
      clearInterval(timer);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

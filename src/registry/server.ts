/**
 * The registry's HTTP(S) door: routing of the spec's endpoints, Basic auth,
 * and the one place errors become the spec's JSON body. Handlers live in routes/.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { promises as fs } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { silentLogger, type Logger } from '../base/logger.js';
import { createBasicAuth, loadHtpasswd, type BasicAuthCheck } from './auth/htpasswd.js';
import { DistributionError } from './errors.js';
import { sendError, sendJson } from './http-io.js';
import { assertRepoName } from './names.js';
import { Registry } from './registry.js';
import { deleteBlob, getBlob, headBlob } from './routes/blobs.js';
import type { RouteContext } from './routes/context.js';
import { listCatalog, listReferrers, listTags } from './routes/discovery.js';
import { deleteManifest, getManifest, headManifest, putManifest } from './routes/manifests.js';
import { cancelUpload, finishUpload, patchUpload, startUpload, uploadStatus } from './routes/uploads.js';

type Handler = (c: RouteContext) => Promise<void>;

// Order matters: uploads before blobs. Names may contain '/', so the name group is greedy
// and the raw (undecoded, unnormalised) path is matched: `..` then fails the name grammar.
const ROUTES: { re: RegExp; methods: Record<string, Handler> }[] = [
  { re: /^\/v2\/(.+)\/tags\/list$/, methods: { GET: listTags } },
  { re: /^\/v2\/(.+)\/manifests\/([^/]+)$/, methods: { GET: getManifest, HEAD: headManifest, PUT: putManifest, DELETE: deleteManifest } },
  { re: /^\/v2\/(.+)\/blobs\/uploads\/?()$/, methods: { POST: startUpload } },
  { re: /^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/, methods: { GET: uploadStatus, PATCH: patchUpload, PUT: finishUpload, DELETE: cancelUpload } },
  { re: /^\/v2\/(.+)\/blobs\/([^/]+)$/, methods: { GET: getBlob, HEAD: headBlob, DELETE: deleteBlob } },
  { re: /^\/v2\/(.+)\/referrers\/([^/]+)$/, methods: { GET: listReferrers } },
];

export interface RegistryServerOptions {
  registry: Registry;
  /** Basic auth checker; without it every request is allowed */
  auth?: BasicAuthCheck;
  realm?: string;
  log?: Logger;
}

/** The request listener, usable with any http/https server. */
export function createRegistryHandler(opts: RegistryServerOptions): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  const log = opts.log ?? silentLogger;
  const realm = opts.realm ?? 'Berth Registry';
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
    if (pathname !== '/v2' && !pathname.startsWith('/v2/')) throw new DistributionError(404, 'UNSUPPORTED', { message: 'not found' });
    if (opts.auth && !(await opts.auth(req.headers.authorization))) {
      throw new DistributionError(401, 'UNAUTHORIZED', { headers: { 'WWW-Authenticate': `Basic realm="${realm}"` } });
    }
    if (pathname === '/v2' || pathname === '/v2/') {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed(req.method);
      return sendJson(res, 200, {});
    }
    if (pathname === '/v2/_catalog') {
      if (req.method !== 'GET') throw methodNotAllowed(req.method);
      return listCatalog(req, res, opts.registry, query);
    }
    for (const r of ROUTES) {
      const m = r.re.exec(pathname);
      if (!m) continue;
      const name = assertRepoName(m[1]!);
      const h = r.methods[req.method ?? ''];
      if (!h) throw methodNotAllowed(req.method);
      let param: string;
      try {
        param = decodeURIComponent(m[2] ?? '');
      } catch {
        throw new DistributionError(400, 'UNSUPPORTED', { message: 'bad percent-encoding' });
      }
      log.debug({ method: req.method, name, param }, 'request');
      return h({ req, res, registry: opts.registry, name, param, query });
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
  /** htpasswd file with bcrypt entries; enables Basic auth */
  htpasswd?: string;
  tlsCert?: string;
  tlsKey?: string;
  log?: Logger;
  /** idle upload sessions older than this are dropped (default 1 h) */
  uploadIdleMs?: number;
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
  const registry = new Registry(opts.data);
  await registry.open();
  const auth = opts.htpasswd ? createBasicAuth(await loadHtpasswd(opts.htpasswd)) : undefined;
  const handler = createRegistryHandler({ registry, ...(auth ? { auth } : {}), ...(opts.log ? { log: opts.log } : {}) });
  const tls = opts.tlsCert !== undefined || opts.tlsKey !== undefined;
  if (tls && (!opts.tlsCert || !opts.tlsKey)) throw new Error('TLS needs both a certificate and a key');
  const server = tls
    ? https.createServer({ cert: await fs.readFile(opts.tlsCert!), key: await fs.readFile(opts.tlsKey!) }, handler)
    : http.createServer(handler);
  // Large layer uploads can be slow; rely on the idle-session expiry instead of a request timeout.
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const idle = opts.uploadIdleMs ?? 60 * 60 * 1000;
  const timer = setInterval(() => void registry.uploads.expire(idle).catch(() => undefined), Math.min(idle, 10 * 60 * 1000));
  timer.unref();
  const a = server.address() as AddressInfo;
  const shownHost = a.address === '0.0.0.0' || a.address === '::' ? '127.0.0.1' : a.family === 'IPv6' ? `[${a.address}]` : a.address;
  const hostPort = `${shownHost}:${a.port}`;
  return {
    url: `${tls ? 'https' : 'http'}://${hostPort}`,
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

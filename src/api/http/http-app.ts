/**
 * The HTTP server of a door: version prefix, standard headers, routing and the
 * error hook, for ordinary requests and for Node's 'upgrade' path alike.
 * It knows nothing about Docker's resources; api/docker supplies routes and errors.
 */
import * as http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../base/logger';
import { splitVersionPrefix } from './api-version';
import { createContext, type Handler, type UpgradeInfo } from './context';
import { QueryParams } from './query';
import { isHijacked } from './hijack';
import type { Router } from './router';

export type ErrorHook = (res: http.ServerResponse, err: unknown, method: string) => void;

export interface HttpAppOptions {
  router: Router<Handler>;
  maxVersion: string;
  minVersion: string;
  /** headers on every ordinary response */
  standardHeaders: Record<string, string>;
  /** unmatched routes */
  notFound: Handler;
  onError: ErrorHook;
  logger: Logger;
}

export function createHttpServer(opts: HttpAppOptions): http.Server {
  const server = http.createServer({ keepAlive: true, requestTimeout: 0 });
  // Long uploads (image load) and idle CLI connections must not be cut by Node's defaults.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 60_000;
  // A client half-close (end of stdin) must not end the response: hijacked streams keep writing after it.
  (server as unknown as { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;

  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    void dispatch(opts, req, res, undefined);
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    // docker-py half-closes right after its exec-start request: that FIN can come before the handler
    // has hijacked the socket, and must end only the client's input, never the output still to come
    (socket as Duplex & { allowHalfOpen: boolean }).allowHalfOpen = true;
    const res = new http.ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as never);
    res.on('finish', () => {
      res.detachSocket(socket as never);
      socket.end();
    });
    socket.on('error', () => socket.destroy());
    void dispatch(opts, req, res, { socket, head });
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) return socket.destroy();
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });
  return server;
}

async function dispatch(opts: HttpAppOptions, req: http.IncomingMessage, res: http.ServerResponse, upgrade: UpgradeInfo | undefined): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  for (const [k, v] of Object.entries(opts.standardHeaders)) res.setHeader(k, v);
  const ac = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) ac.abort();
  };
  if (upgrade) upgrade.socket.once('close', onClose);
  else {
    res.once('close', onClose);
    // The server keeps half-open sockets (for hijacked streams), so a client that went away is noticed only at
    // the next write: a build step that prints nothing would run on. Its end of input is the client going away,
    // as dockerd's Go server cancels a request's context on it; a hijacked stream's is only the end of its stdin.
    const socket = req.socket;
    const onEnd = () => {
      if (!res.writableFinished && !isHijacked(socket)) ac.abort();
    };
    socket.once('end', onEnd);
    res.once('close', () => socket.off('end', onEnd));
  }
  const started = Date.now();
  try {
    const vp = splitVersionPrefix(rawPath, opts.maxVersion, opts.minVersion);
    const match = opts.router.match(method, vp.path);
    const ctx = createContext({
      req,
      res,
      path: vp.path,
      apiVersion: vp.version,
      params: match?.params ?? {},
      query: QueryParams.fromUrl(url),
      upgrade,
      signal: ac.signal,
      standardHeaders: opts.standardHeaders,
    });
    await (match ? match.handler(ctx) : opts.notFound(ctx));
  } catch (err) {
    opts.onError(res, err, method);
  } finally {
    opts.logger.debug({ method, url, status: res.statusCode, ms: Date.now() - started }, 'request');
  }
}

/**
 * What a route handler receives, the same whether the request arrived as an
 * ordinary request or through Node's 'upgrade' path (Connection: Upgrade).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable, type Duplex } from 'node:stream';
import type { QueryParams } from './query';
import type { RouteParams } from './router';
import { checkJsonContentType, parseJsonBody, readAll } from './request-body';

/** The raw connection of an upgrade request; `head` holds the bytes read past the headers. */
export interface UpgradeInfo {
  socket: Duplex;
  head: Buffer;
}

export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  /** path without the /vX.Y prefix and without the query */
  readonly path: string;
  readonly apiVersion: string;
  readonly params: RouteParams;
  readonly query: QueryParams;
  readonly upgrade: UpgradeInfo | undefined;
  /** aborted when the client goes away before the response finished */
  readonly signal: AbortSignal;
  /** the headers every ordinary response carries (Api-Version, Server, ...) */
  readonly standardHeaders: Readonly<Record<string, string>>;
  body(): Promise<Buffer>;
  /**
   * undefined for an empty body; 400 for malformed JSON. `requireJsonType`: also refuse a body that is not
   * sent as application/json, as dockerd's CheckForJSON does on the routes that call it.
   */
  json<T>(opts?: { requireJsonType?: boolean }): Promise<T | undefined>;
  /** the request body as a stream (tar uploads) */
  bodyStream(): Readable;
}

export type Handler = (ctx: RequestContext) => Promise<void>;

/** Reads exactly `length` body bytes of an upgrade request from head + socket; the rest stays on the socket. */
export async function readUpgradeBody(up: UpgradeInfo, length: number): Promise<Buffer> {
  let buf = up.head;
  up.head = Buffer.alloc(0);
  while (buf.length < length) {
    const chunk = await new Promise<Buffer | null>((resolve) => {
      const onData = (b: Buffer) => {
        cleanup();
        resolve(b);
      };
      const onEnd = () => {
        cleanup();
        resolve(null);
      };
      const cleanup = () => {
        up.socket.off('data', onData);
        up.socket.off('end', onEnd);
        up.socket.off('close', onEnd);
        up.socket.pause();
      };
      up.socket.on('data', onData);
      up.socket.once('end', onEnd);
      up.socket.once('close', onEnd);
      up.socket.resume();
    });
    if (chunk === null) break;
    buf = Buffer.concat([buf, chunk]);
  }
  const rest = buf.subarray(length);
  if (rest.length) up.socket.unshift(rest);
  return buf.subarray(0, length);
}

export function createContext(init: {
  req: IncomingMessage;
  res: ServerResponse;
  path: string;
  apiVersion: string;
  params: RouteParams;
  query: QueryParams;
  upgrade: UpgradeInfo | undefined;
  signal: AbortSignal;
  standardHeaders: Record<string, string>;
}): RequestContext {
  let cached: Promise<Buffer> | undefined;
  const body = (): Promise<Buffer> => {
    if (!cached) {
      if (init.upgrade) {
        const len = Number(init.req.headers['content-length'] ?? 0);
        cached = readUpgradeBody(init.upgrade, Number.isFinite(len) ? len : 0);
      } else {
        cached = readAll(init.req);
      }
    }
    return cached;
  };
  return {
    ...init,
    method: (init.req.method ?? 'GET').toUpperCase(),
    body,
    async json<T>(opts?: { requireJsonType?: boolean }): Promise<T | undefined> {
      const buf = await body();
      if (opts?.requireJsonType) checkJsonContentType(init.req.headers['content-type'], buf.length);
      return parseJsonBody(buf) as T | undefined;
    },
    bodyStream(): Readable {
      if (!init.upgrade) return init.req;
      const r = new Readable({ read() {} });
      body().then(
        (b) => {
          r.push(b);
          r.push(null);
        },
        (e: Error) => r.destroy(e),
      );
      return r;
    },
  };
}

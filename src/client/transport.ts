/**
 * HTTP over the daemon's unix socket or TCP: one keep-alive agent per client, the
 * `/vX.Y` prefix, Go-compatible query encoding, error answers → DockerApiError,
 * and hijacked (Upgrade: tcp) connections. Knows no endpoint semantics.
 */
import * as http from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import type { DaemonAddress } from './host';
import { DaemonUnreachableError, DockerApiError, errorMessageFromBody } from './api-error';

export type QueryValue = string | number | boolean | string[] | undefined | null;
export type Query = Record<string, QueryValue>;

export interface RequestOptions {
  method: string;
  /** path without the version prefix, e.g. `/containers/json` */
  path: string;
  query?: Query;
  /** a plain value is sent as JSON; a stream or Buffer is sent as is (chunked for streams) */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  /** false for `/_ping` and `/session` (the CLI sends them unprefixed) */
  versioned?: boolean;
  signal?: AbortSignal;
}

const USER_AGENT = 'Berth-Client (linux)';

/** Go's url.QueryEscape: unreserved bytes stay, space → '+', everything else %XX. */
export function goQueryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, '+');
}

/** Encodes a query like Go's url.Values.Encode (keys sorted; booleans as 1/0 like the docker CLI). */
export function encodeQuery(query: Query | undefined): string {
  if (!query) return '';
  const parts: string[] = [];
  for (const key of Object.keys(query).sort()) {
    const v = query[key];
    if (v === undefined || v === null) continue;
    const values = Array.isArray(v) ? v : [typeof v === 'boolean' ? (v ? '1' : '0') : String(v)];
    for (const one of values) parts.push(`${goQueryEscape(key)}=${goQueryEscape(one)}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

/** Escapes one path segment but keeps `/` and `:` (image references travel unescaped in paths). */
export function pathSegment(s: string): string {
  return encodeURIComponent(s).replace(/%2F/gi, '/').replace(/%3A/gi, ':');
}

export function isReadable(v: unknown): v is Readable {
  return typeof v === 'object' && v !== null && typeof (v as Readable).pipe === 'function';
}

function isConnectFailure(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES' || code === 'ENOTSOCK' || code === 'EHOSTUNREACH';
}

export class ApiTransport {
  readonly address: DaemonAddress;
  /** e.g. "1.41"; empty until negotiated (then every versioned path gets `/v<apiVersion>`) */
  apiVersion = '';
  private readonly agent: http.Agent;

  constructor(address: DaemonAddress) {
    this.address = address;
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  }

  private baseOptions(opts: RequestOptions, agent: http.Agent | false): http.RequestOptions {
    const prefix = opts.versioned === false || !this.apiVersion ? '' : `/v${this.apiVersion}`;
    const headers: Record<string, string> = { 'User-Agent': USER_AGENT, ...opts.headers };
    // servername: not in @types/node's ClientRequestArgs, but handed on to the agent
    const base: http.RequestOptions & { servername?: string } = {
      method: opts.method,
      path: `${prefix}${opts.path}${encodeQuery(opts.query)}`,
      headers,
      agent,
      signal: opts.signal,
      // plain HTTP: without a servername Node's agent runs isIP() on the Host header, whose IPv6
      // regex costs ~3 ms to compile on a CLI's first request
      servername: '',
    };
    if (this.address.kind === 'unix') {
      base.socketPath = this.address.socketPath;
      headers.Host = 'api.moby.localhost';
    } else {
      base.host = this.address.host;
      base.port = this.address.port;
    }
    return base;
  }

  /** Sends the body (JSON, Buffer, or a piped stream) and ends the request. */
  private sendBody(req: http.ClientRequest, opts: RequestOptions): void {
    if (opts.body === undefined) {
      req.end();
    } else if (isReadable(opts.body)) {
      opts.body.on('error', (e) => req.destroy(e));
      opts.body.pipe(req);
    } else if (Buffer.isBuffer(opts.body) || typeof opts.body === 'string') {
      req.end(opts.body);
    } else {
      req.end(JSON.stringify(opts.body));
    }
  }

  private prepareHeaders(opts: RequestOptions): RequestOptions {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.body === undefined) {
      if (opts.method === 'POST' || opts.method === 'PUT') headers['Content-Length'] = '0';
    } else if (isReadable(opts.body)) {
      headers['Content-Type'] = opts.contentType ?? 'application/x-tar';
    } else if (Buffer.isBuffer(opts.body) || typeof opts.body === 'string') {
      headers['Content-Type'] = opts.contentType ?? 'text/plain';
      headers['Content-Length'] = String(Buffer.byteLength(opts.body));
    } else {
      headers['Content-Type'] = opts.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(JSON.stringify(opts.body)));
    }
    return { ...opts, headers };
  }

  /** Resolves with the response once its headers arrived; error statuses reject with DockerApiError. */
  request(input: RequestOptions): Promise<http.IncomingMessage> {
    const opts = this.prepareHeaders(input);
    return new Promise((resolve, reject) => {
      const req = http.request(this.baseOptions(opts, this.agent), (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 400) {
          readAll(res).then(
            (body) => reject(new DockerApiError(status, errorMessageFromBody(status, body.toString('utf8')))),
            reject,
          );
          return;
        }
        resolve(res);
      });
      req.on('error', (err) => reject(isConnectFailure(err) ? new DaemonUnreachableError(this.address.url, err) : err));
      this.sendBody(req, opts);
    });
  }

  /** Request whose answer is JSON (or empty, then undefined). */
  async json<T>(opts: RequestOptions): Promise<T> {
    const res = await this.request(opts);
    const body = (await readAll(res)).toString('utf8');
    return (body.trim() ? JSON.parse(body) : undefined) as T;
  }

  /** Request whose answer body is ignored. */
  async send(opts: RequestOptions): Promise<void> {
    const res = await this.request(opts);
    res.resume();
    await new Promise<void>((r) => (res.complete ? r() : res.once('end', () => r()).once('close', () => r())));
  }

  /**
   * Hijacks a connection (attach, exec start): `Connection: Upgrade` + `Upgrade: tcp`.
   * A 101 answer gives the raw duplex socket; a 200 answer (servers without upgrade)
   * gives the response body for reading and the request's socket for writing.
   */
  hijack(input: RequestOptions): Promise<HijackedStream> {
    const opts = this.prepareHeaders({
      ...input,
      headers: { ...input.headers, Connection: 'Upgrade', Upgrade: 'tcp' },
    });
    if (input.body === undefined) opts.headers = { ...opts.headers, 'Content-Type': 'text/plain' };
    return new Promise((resolve, reject) => {
      const req = http.request(this.baseOptions(opts, false));
      req.on('upgrade', (res, socket, head) => {
        socket.setNoDelay(true);
        resolve({ socket, head, contentType: String(res.headers['content-type'] ?? ''), upgraded: true });
      });
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 400) {
          readAll(res).then(
            (body) => reject(new DockerApiError(status, errorMessageFromBody(status, body.toString('utf8')))),
            reject,
          );
          return;
        }
        // no upgrade: read from the response, write (rarely needed) to the raw socket
        resolve({ socket: res.socket, head: Buffer.alloc(0), contentType: String(res.headers['content-type'] ?? ''), upgraded: false, body: res });
      });
      req.on('error', (err) => reject(isConnectFailure(err) ? new DaemonUnreachableError(this.address.url, err) : err));
      this.sendBody(req, opts);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface HijackedStream {
  /** the raw connection: write stdin here, `end()` half-closes */
  socket: Duplex;
  /** bytes that arrived together with the 101 head */
  head: Buffer;
  contentType: string;
  upgraded: boolean;
  /** set when the server answered 200 instead of 101: read output from here */
  body?: http.IncomingMessage;
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks);
}

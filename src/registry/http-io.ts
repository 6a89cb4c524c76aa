/** Small request/response pieces shared by the route files: bodies, JSON, spec errors. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DistributionError } from './errors.js';

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(body.length), ...headers });
  res.end(body);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Length': '0', ...headers });
  res.end();
}

export function sendError(res: ServerResponse, err: DistributionError, head = false): void {
  if (head) {
    res.writeHead(err.status, { 'Content-Length': '0', ...err.headers });
    res.end();
    return;
  }
  sendJson(res, err.status, err.toBody(), err.headers);
}

/** Reads a whole body, refusing more than `limit` bytes with `tooLarge()`. */
export async function readBody(req: IncomingMessage, limit: number, tooLarge: () => DistributionError): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > limit) throw tooLarge();
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

/** The request's Content-Length as a number, or undefined (chunked or absent). */
export function contentLength(req: IncomingMessage): number | undefined {
  const v = req.headers['content-length'];
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** True when the request carries a body (a non-zero length or chunked encoding). */
export function hasBody(req: IncomingMessage): boolean {
  const n = contentLength(req);
  return n !== undefined ? n > 0 : req.headers['transfer-encoding'] !== undefined;
}

/** RFC 5988 `Link` header to the next page. */
export function nextLink(pathname: string, params: Record<string, string | number>): string {
  const q = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]));
  return `<${pathname}?${q.toString()}>; rel="next"`;
}

/** Parses the `n` pagination parameter; invalid values are a client error. */
export function parseN(v: string | null): number | undefined {
  if (v === null || v === '') return undefined;
  if (!/^\d+$/.test(v)) throw new DistributionError(400, 'UNSUPPORTED', { message: `invalid n: ${v}` });
  return Number(v);
}

/** /v2/<name>/blobs/<digest>: GET (with Range), HEAD, DELETE. */
import { pipeline } from 'node:stream/promises';
import { DistributionError } from '../errors.js';
import { sendEmpty } from '../http-io.js';
import { parseRangeHeader } from '../range.js';
import type { RouteContext } from './context.js';

export async function headBlob(c: RouteContext): Promise<void> {
  const b = c.proxy ? await c.proxy.statBlob(c.name, c.param) : await c.registry.statBlob(c.name, c.param);
  c.res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(b.size), 'Docker-Content-Digest': b.digest.digest, 'Accept-Ranges': 'bytes', ETag: `"${b.digest.digest}"` });
  c.res.end();
}

export async function getBlob(c: RouteContext): Promise<void> {
  // A range of a blob not cached yet is served once the whole blob is in the cache.
  const proxied = c.proxy ? await c.proxy.openBlob(c.name, c.param, { waitForCache: c.req.headers.range !== undefined }) : undefined;
  if (proxied?.stream) {
    const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream', 'Docker-Content-Digest': proxied.digest.digest, ETag: `"${proxied.digest.digest}"` };
    if (proxied.size !== undefined) headers['Content-Length'] = String(proxied.size);
    c.res.writeHead(200, headers);
    await pipeline(proxied.stream, c.res);
    return;
  }
  const b = proxied ? { digest: proxied.digest, size: proxied.size } : await c.registry.statBlob(c.name, c.param);
  const range = parseRangeHeader(c.req.headers.range, b.size);
  if (range === 'unsatisfiable') {
    throw new DistributionError(416, 'BLOB_UNKNOWN', { message: 'requested range not satisfiable', headers: { 'Content-Range': `bytes */${b.size}` } });
  }
  const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream', 'Docker-Content-Digest': b.digest.digest, 'Accept-Ranges': 'bytes', ETag: `"${b.digest.digest}"` };
  if (range) {
    headers['Content-Range'] = `bytes ${range.start}-${range.end}/${b.size}`;
    headers['Content-Length'] = String(range.end - range.start + 1);
    c.res.writeHead(206, headers);
  } else {
    headers['Content-Length'] = String(b.size);
    c.res.writeHead(200, headers);
  }
  await pipeline(c.registry.openBlob(b.digest, range), c.res);
}

export async function deleteBlob(c: RouteContext): Promise<void> {
  await c.registry.deleteBlob(c.name, c.param);
  sendEmpty(c.res, 202);
}

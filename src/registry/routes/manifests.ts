/** /v2/<name>/manifests/<reference>: GET, HEAD, PUT, DELETE. */
import { DistributionError } from '../errors.js';
import { readBody, sendEmpty } from '../http-io.js';
import { MAX_MANIFEST_BYTES } from '../manifest-check.js';
import type { RouteContext } from './context.js';

export async function getManifest(c: RouteContext): Promise<void> {
  const m = c.proxy ? await c.proxy.getManifest(c.name, c.param) : await c.registry.getManifest(c.name, c.param);
  c.res.writeHead(200, { 'Content-Type': m.mediaType, 'Content-Length': String(m.size), 'Docker-Content-Digest': m.digest, ETag: `"${m.digest}"` });
  c.res.end(m.body);
}

export async function headManifest(c: RouteContext): Promise<void> {
  const m = c.proxy ? await c.proxy.statManifest(c.name, c.param) : await c.registry.statManifest(c.name, c.param);
  c.res.writeHead(200, { 'Content-Type': m.mediaType, 'Content-Length': String(m.size), 'Docker-Content-Digest': m.digest, ETag: `"${m.digest}"` });
  c.res.end();
}

export async function putManifest(c: RouteContext): Promise<void> {
  const body = await readBody(c.req, MAX_MANIFEST_BYTES, () => new DistributionError(413, 'MANIFEST_INVALID', { message: `manifest larger than ${MAX_MANIFEST_BYTES} bytes`, headers: { Connection: 'close' } }));
  const r = await c.registry.putManifest(c.name, c.param, body, c.req.headers['content-type'], c.query.getAll('tag'));
  const headers: Record<string, string> = { Location: `/v2/${c.name}/manifests/${r.digest}`, 'Docker-Content-Digest': r.digest };
  if (r.subject) headers['OCI-Subject'] = r.subject;
  if (c.query.getAll('tag').length > 0) headers['OCI-Tag'] = r.tags.join(', ');
  sendEmpty(c.res, 201, headers);
}

export async function deleteManifest(c: RouteContext): Promise<void> {
  await c.registry.deleteManifest(c.name, c.param);
  sendEmpty(c.res, 202);
}

/** Content discovery: tags list, catalog, referrers. */
import { MediaTypes } from '../../protocol/oci/image.js';
import { isValidTag } from '../names.js';
import { DistributionError } from '../errors.js';
import { nextLink, parseN, sendJson } from '../http-io.js';
import type { Registry } from '../registry.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouteContext } from './context.js';

export async function listTags(c: RouteContext): Promise<void> {
  const n = parseN(c.query.get('n'));
  const last = c.query.get('last') ?? undefined;
  if (last !== undefined && !isValidTag(last)) throw new DistributionError(400, 'UNSUPPORTED', { message: `invalid last: ${last}` });
  const page = await c.registry.listTags(c.name, n, last);
  const headers: Record<string, string> = {};
  if (page.next !== undefined && n !== undefined) headers.Link = nextLink(`/v2/${c.name}/tags/list`, { n, last: page.next });
  sendJson(c.res, 200, { name: c.name, tags: page.items }, headers);
}

export async function listCatalog(req: IncomingMessage, res: ServerResponse, registry: Registry, query: URLSearchParams): Promise<void> {
  void req;
  const n = parseN(query.get('n'));
  const page = await registry.listRepositories(n, query.get('last') ?? undefined);
  const headers: Record<string, string> = {};
  if (page.next !== undefined && n !== undefined) headers.Link = nextLink('/v2/_catalog', { n, last: page.next });
  sendJson(res, 200, { repositories: page.items }, headers);
}

export async function listReferrers(c: RouteContext): Promise<void> {
  const artifactType = c.query.get('artifactType') ?? undefined;
  const manifests = await c.registry.listReferrers(c.name, c.param, artifactType);
  const headers: Record<string, string> = { 'Content-Type': MediaTypes.ociIndex };
  if (artifactType !== undefined) headers['OCI-Filters-Applied'] = 'artifactType';
  sendJson(c.res, 200, { schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests }, headers);
}

/**
 * Blob uploads: POST /v2/<name>/blobs/uploads/ (session, monolithic ?digest=, or
 * ?mount=&from=) and GET/PATCH/PUT/DELETE on the session's location.
 */
import { DistributionError } from '../errors.js';
import { contentLength, hasBody, sendEmpty } from '../http-io.js';
import { assertRepoName, assertDigest } from '../names.js';
import { parseContentRange, uploadRangeHeader } from '../range.js';
import type { RouteContext } from './context.js';

function sessionHeaders(name: string, id: string, offset: number): Record<string, string> {
  return { Location: `/v2/${name}/blobs/uploads/${id}`, 'Docker-Upload-UUID': id, Range: uploadRangeHeader(offset) };
}

function blobCreated(c: RouteContext, digest: string): void {
  sendEmpty(c.res, 201, { Location: `/v2/${c.name}/blobs/${digest}`, 'Docker-Content-Digest': digest });
}

export async function startUpload(c: RouteContext): Promise<void> {
  const mount = c.query.get('mount');
  if (mount !== null) {
    assertDigest(mount);
    const from = c.query.get('from');
    // Mounting reads the source: only repositories the caller may pull from count;
    // without `from`, any of those that holds the blob (the spec lets `from` be optional).
    let sources: 'all' | string[];
    if (from === null) sources = c.grant.pullable();
    else sources = c.grant.allows('repository', assertRepoName(from), 'pull') ? [from] : [];
    if (await c.registry.mountBlob(c.name, mount, sources)) return blobCreated(c, mount);
    // Not mountable, or not by this caller: the spec's fallback is a fresh upload session (202).
  }
  const digest = c.query.get('digest');
  if (digest !== null && mount === null) {
    await c.registry.uploadMonolithic(c.name, digest, c.req, contentLength(c.req));
    return blobCreated(c, digest);
  }
  const algorithm = c.query.get('digest-algorithm') ?? 'sha256';
  if (algorithm !== 'sha256' && algorithm !== 'sha512') throw new DistributionError(400, 'UNSUPPORTED', { message: `digest algorithm ${algorithm} not supported` });
  const s = await c.registry.uploads.create(c.name, algorithm);
  sendEmpty(c.res, 202, sessionHeaders(c.name, s.id, 0));
}

export async function uploadStatus(c: RouteContext): Promise<void> {
  const s = c.registry.uploads.get(c.name, c.param);
  sendEmpty(c.res, 204, sessionHeaders(c.name, s.id, s.offset));
}

export async function patchUpload(c: RouteContext): Promise<void> {
  const cr = c.req.headers['content-range'];
  const range = cr === undefined ? undefined : parseContentRange(cr);
  if (cr !== undefined && !range) throw new DistributionError(400, 'BLOB_UPLOAD_INVALID', { message: `invalid Content-Range: ${cr}` });
  const length = contentLength(c.req);
  const offset = await c.registry.uploads.withSession(c.name, c.param, async (s) => {
    if (range && range.start !== s.offset) {
      // Out-of-order chunk: the spec's 416, with where the upload really stands.
      throw new DistributionError(416, 'RANGE_INVALID', { detail: { offset: s.offset, start: range.start }, headers: sessionHeaders(c.name, s.id, s.offset) });
    }
    const expected = range ? range.end - range.start + 1 : length;
    if (range && length !== undefined && length !== expected) throw new DistributionError(400, 'SIZE_INVALID', { detail: { contentRange: cr, contentLength: length } });
    await c.registry.uploads.append(s, c.req, expected);
    return s.offset;
  });
  sendEmpty(c.res, 202, sessionHeaders(c.name, c.param, offset));
}

export async function finishUpload(c: RouteContext): Promise<void> {
  const digest = c.query.get('digest');
  if (digest === null) throw new DistributionError(400, 'DIGEST_INVALID', { message: 'digest query parameter required' });
  const cr = c.req.headers['content-range'];
  const range = cr === undefined ? undefined : parseContentRange(cr);
  if (cr !== undefined && !range) throw new DistributionError(400, 'BLOB_UPLOAD_INVALID', { message: `invalid Content-Range: ${cr}` });
  const length = contentLength(c.req);
  const last = hasBody(c.req) ? { body: c.req, ...(length !== undefined ? { length } : {}), ...(range ? { start: range.start } : {}) } : undefined;
  await c.registry.completeUpload(c.name, c.param, digest, last);
  blobCreated(c, digest);
}

export async function cancelUpload(c: RouteContext): Promise<void> {
  await c.registry.uploads.withSession(c.name, c.param, (s) => c.registry.uploads.drop(s));
  sendEmpty(c.res, 204);
}

/** Image routes (swagger tag "Image"). Image names may contain '/' and ':', hence `*name`. */
import { platformArch } from '../../../image/import';
import { InternalError, InvalidArgumentError, NotImplementedError } from '../../../base/errors';
import type { Platform } from '../../../image/distribution/platform';
import { apiAtLeast } from '../../http/api-version';
import { decodePlatformQuery } from '../translate/platform';
import { decodeRegistryAuth } from '../../../image/distribution/auth';
import { encodeProgress } from '../../../image/distribution/progress-json';
import type { ProgressEvent } from '../../../image/distribution/progress';
import { RegistryResponseError } from '../../../image/distribution/registry-client';
import type { RequestContext } from '../../http/context';
import type { Engine } from '../../../engine/types';
import type { Handler } from '../../http/context';
import type { Router } from '../../http/router';
import { JsonLinesWriter } from '../../http/json-lines';
import { sendJson, sendEmpty } from '../../http/respond';
import { toHistoryWire, toImageDeleteWire, toImageInspect, toImageSummaryWire } from '../translate/image';

/** Runs a progress stream; an error after the 200 went out becomes an errorDetail line. */
async function streamProgress(w: JsonLinesWriter, work: () => Promise<void>): Promise<void> {
  w.start();
  try {
    await work();
  } catch (e) {
    await w.writeError((e as Error).message);
  }
  w.end();
}

/** dockerd answers registry failures it has no better kind for with 500 (a 401 from the registry is not the client's 401). */
export function asDaemonError(e: unknown): unknown {
  return e instanceof RegistryResponseError ? new InternalError(e.message, e.code, { cause: e }) : e;
}

/** X-Registry-Auth, or the older `authconfig=` query parameter. */
function registryAuth(ctx: RequestContext) {
  const h = ctx.req.headers['x-registry-auth'];
  return decodeRegistryAuth((Array.isArray(h) ? h[0] : h) ?? ctx.query.string('authconfig'));
}

/**
 * Pull/push progress: the 200 goes out with the first event, so a failure
 * before it (unknown tag, no such local image) is an ordinary error status,
 * as with dockerd; a later one becomes the stream's error line.
 */
async function streamRegistryProgress(ctx: RequestContext, work: (onProgress: (ev: ProgressEvent) => void) => Promise<unknown>): Promise<void> {
  const w = new JsonLinesWriter(ctx.res);
  let pending: Promise<void> = Promise.resolve();
  try {
    await work((ev) => {
      const msg = encodeProgress(ev);
      pending = pending.then(() => w.write(msg));
    });
    await pending;
  } catch (e) {
    await pending;
    if (!ctx.res.headersSent) throw asDaemonError(e);
    await w.writeError((e as Error).message);
  }
  w.end();
}

/** The JSON `platform` query from API `since` on (older clients' is ignored, as dockerd does); `single`: save/load refuse several. */
function platformQuery(ctx: RequestContext, since: string, single: boolean): Platform | undefined {
  if (!apiAtLeast(ctx.apiVersion, since)) return undefined;
  if (single && ctx.query.all('platform').length > 1) throw new InvalidArgumentError('multiple platform parameters not supported', 'INVALID_PLATFORM');
  return decodePlatformQuery(ctx.query.string('platform'));
}

export function registerImageRoutes(router: Router<Handler>, engine: Engine): void {
  const images = engine.images;

  router.add('GET', '/images/json', async (ctx) => {
    const list = await images.list({
      all: ctx.query.bool('all'),
      filters: ctx.query.filters(),
      sharedSize: apiAtLeast(ctx.apiVersion, '1.42') && ctx.query.bool('shared-size'),
      descriptors: apiAtLeast(ctx.apiVersion, '1.48'),
      manifests: apiAtLeast(ctx.apiVersion, '1.47') && ctx.query.bool('manifests'),
    });
    sendJson(ctx.res, 200, list.map((i) => toImageSummaryWire(i, ctx.apiVersion, { listed: true })));
  });

  router.add('POST', '/images/create', async (ctx) => {
    const q = ctx.query;
    const fromSrc = q.string('fromSrc');
    if (fromSrc === undefined) {
      await ctx.body();
      const from = q.string('fromImage') ?? '';
      const tag = q.string('tag');
      // tag= carries either a tag or a digest ("sha256:…"), as the docker CLI sends them
      const ref = !tag ? from : tag.includes(':') ? `${from}@${tag}` : `${from}:${tag}`;
      const auth = registryAuth(ctx);
      const platform = q.string('platform');
      await streamRegistryProgress(ctx, (onProgress) =>
        images.pull(ref, { onProgress, signal: ctx.signal, ...(auth ? { auth } : {}), ...(platform ? { platform } : {}) }),
      );
      return;
    }
    if (fromSrc !== '-') throw new NotImplementedError('importing from a URL is not implemented; use fromSrc=-', 'IMPORT_URL_NOT_IMPLEMENTED');
    const opts: Parameters<typeof images.importRootfs>[1] = { changes: q.all('changes'), signal: ctx.signal };
    const repo = q.string('repo');
    if (repo) opts.repo = repo;
    const tag = q.string('tag');
    if (tag) opts.tag = tag;
    const message = q.string('message');
    if (message) opts.message = message;
    const platform = q.string('platform');
    if (platform) opts.platform = platform;
    // a bad platform is a 400 before the progress stream starts, as dockerd answers it
    if (platform) platformArch(platform);
    // As dockerd's import: the answer starts with its one line, once the image is made (a client that
    // returns on the head finds the image), so a failure before it is an HTTP error, not a stream line.
    const w = new JsonLinesWriter(ctx.res);
    try {
      const rec = await images.importRootfs(ctx.bodyStream(), opts);
      await w.write({ status: rec.id });
    } catch (e) {
      if (!ctx.res.headersSent) throw e;
      await w.writeError((e as Error).message);
    }
    w.end();
  });

  router.add('POST', '/images/load', async (ctx) => {
    const platform = platformQuery(ctx, '1.48', true);
    const w = new JsonLinesWriter(ctx.res);
    await streamProgress(w, async () => {
      const lines = await images.load(ctx.bodyStream(), { signal: ctx.signal, ...(platform ? { platform } : {}) });
      for (const l of lines) await w.write({ stream: `${l}\n` });
    });
  });

  router.add('POST', '/images/prune', async (ctx) => {
    await ctx.body();
    const filters = ctx.query.filters();
    // dangling defaults to true; `dangling=false` prunes every unused image
    const d = filters['dangling'];
    const dangling = !(d && d.length && d.every((v) => v === 'false' || v === '0'));
    const rest = { ...filters };
    delete rest['dangling'];
    const r = await images.prune({ dangling, filters: rest });
    sendJson(ctx.res, 200, { ImagesDeleted: r.deleted.length ? toImageDeleteWire(r.deleted) : null, SpaceReclaimed: r.spaceReclaimed });
  });

  router.add('GET', '/images/get', async (ctx) => {
    await saveTo(ctx.res, ctx.query.all('names'), platformQuery(ctx, '1.48', true));
  });

  router.add('GET', '/images/*name/get', async (ctx) => {
    await saveTo(ctx.res, [ctx.params.name!], platformQuery(ctx, '1.48', true));
  });

  router.add('GET', '/images/*name/json', async (ctx) => {
    const platform = platformQuery(ctx, '1.49', false);
    const manifests = apiAtLeast(ctx.apiVersion, '1.48') && ctx.query.bool('manifests');
    if (manifests && platform) throw new InvalidArgumentError('conflicting options: manifests and platform options cannot both be set', 'INVALID_ARGUMENT');
    const rec = await images.resolve(ctx.params.name!, platform ? { platform } : {});
    const m = apiAtLeast(ctx.apiVersion, '1.48') ? await images.manifests(rec.id) : undefined;
    sendJson(ctx.res, 200, toImageInspect(rec, { ...(m ? { manifests: m } : {}), withManifests: manifests }, ctx.apiVersion));
  });

  router.add('GET', '/images/*name/history', async (ctx) => {
    const platform = platformQuery(ctx, '1.48', false);
    const h = await images.history(ctx.params.name!, platform ? { platform } : {});
    sendJson(ctx.res, 200, h.map(toHistoryWire));
  });

  // Berth's own: the image's packages as an SBOM, and matched against an OSV advisory file sent as the body
  router.add('GET', '/images/*name/sbom', async (ctx) => {
    sendJson(ctx.res, 200, await images.sbom(ctx.params.name!, ctx.query.string('format') ?? 'spdx-json'));
  });

  router.add('POST', '/images/*name/scan', async (ctx) => {
    const advisories = (await ctx.body()).toString('utf8');
    sendJson(ctx.res, 200, await images.scan(ctx.params.name!, advisories));
  });

  // Berth's own: cosign-style signatures at the image's registry (the key travels in the body, as credentials do)
  router.add('POST', '/images/*name/sign', async (ctx) => {
    const b = (await ctx.json<{ PrivateKey?: unknown }>()) ?? {};
    if (typeof b.PrivateKey !== 'string') throw new InvalidArgumentError('sign needs PrivateKey: a PEM private key');
    const r = await images.sign(ctx.params.name!, b.PrivateKey, registryAuth(ctx));
    sendJson(ctx.res, 200, { Digest: r.digest, SignatureTag: r.signatureTag });
  });

  router.add('POST', '/images/*name/verify', async (ctx) => {
    const b = (await ctx.json<{ PublicKeys?: unknown }>()) ?? {};
    if (!Array.isArray(b.PublicKeys) || !b.PublicKeys.every((k): k is string => typeof k === 'string')) throw new InvalidArgumentError('verify needs PublicKeys: a list of PEM public keys');
    const r = await images.verify(ctx.params.name!, b.PublicKeys, registryAuth(ctx));
    sendJson(ctx.res, 200, { Digest: r.digest, KeyIndex: r.keyIndex });
  });

  router.add('POST', '/images/*name/tag', async (ctx) => {
    await ctx.body();
    const repo = ctx.query.string('repo') ?? '';
    const tag = ctx.query.string('tag') || undefined;
    await images.tag(ctx.params.name!, repo, tag);
    sendEmpty(ctx.res, 201);
  });

  router.add('POST', '/images/*name/push', async (ctx) => {
    await ctx.body();
    const tag = ctx.query.string('tag');
    const ref = tag ? `${ctx.params.name!}:${tag}` : ctx.params.name!;
    const auth = registryAuth(ctx);
    await streamRegistryProgress(ctx, (onProgress) => images.push(ref, { onProgress, signal: ctx.signal, ...(auth ? { auth } : {}) }));
  });

  router.add('DELETE', '/images/*name', async (ctx) => {
    const items = await images.remove(ctx.params.name!, { force: ctx.query.bool('force'), noprune: ctx.query.bool('noprune') });
    sendJson(ctx.res, 200, toImageDeleteWire(items));
  });

  async function saveTo(res: import('node:http').ServerResponse, names: string[], platform: Platform | undefined): Promise<void> {
    // save resolves every name (a bare repository name: all its tags) before it writes: a missing one is a 404, not a broken tar
    res.statusCode = 200;
    res.setHeader('Content-Type', 'application/x-tar');
    // save refuses a platform the images lack before it writes, so the error still gets its own status
    await images.save(names, res, platform ? { platform } : {});
    if (!res.writableEnded) res.end();
  }
}

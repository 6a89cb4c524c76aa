/**
 * POST /build (the classic builder's protocol, `version=1`: what the docker CLI
 * speaks without buildx, and what docker-py, dockerode and compose send) and
 * POST /build/prune. BuildKit sessions (`version=2`) are refused in words.
 */
import { InvalidArgumentError } from '../../../base/errors';
import { BuildStepError } from '../../../builder/executor';
import type { Engine } from '../../../engine/types';
import { parsePlatform } from '../../../image/distribution/platform';
import { normalizeTag } from '../../../image/reference';
import { apiAtLeast } from '../../http/api-version';
import type { Handler, RequestContext } from '../../http/context';
import { JsonLinesWriter } from '../../http/json-lines';
import { sendJson } from '../../http/respond';
import type { Router } from '../../http/router';

function jsonParam<T>(ctx: RequestContext, key: string, fallback: T): T {
  const raw = ctx.query.string(key);
  if (!raw) return fallback;
  try {
    return (JSON.parse(raw) as T | null) ?? fallback;
  } catch {
    throw new InvalidArgumentError(`invalid ${key} parameter: ${raw}`, 'BAD_PARAM');
  }
}

/**
 * A JSON list of "id=NAME,src=PATH" as a map id → path:
 * - `secrets` (Podman's compat API shape): PATH a file inside the context tar, where Berth's CLI puts
 *   each `--secret` file;
 * - `ssh` (Berth's own; the classic API has none): PATH an SSH agent's socket on the daemon's host,
 *   which RUN --mount=type=ssh relays to; the id defaults to `default`.
 */
function idSourceParam(ctx: RequestContext, key: 'secrets' | 'ssh'): Record<string, string> {
  const what = key === 'secrets' ? 'secret' : 'ssh';
  const out: Record<string, string> = {};
  const specs = jsonParam<unknown>(ctx, key, []);
  if (!Array.isArray(specs)) throw new InvalidArgumentError(`invalid ${key} parameter: a JSON list of "id=NAME,src=PATH" is expected`, 'BAD_PARAM');
  for (const spec of specs) {
    const fields = new Map(String(spec).split(',').map((f) => [f.slice(0, f.indexOf('=')).trim(), f.slice(f.indexOf('=') + 1)] as const));
    const id = fields.get('id') || (key === 'ssh' ? 'default' : undefined);
    const src = fields.get('src') ?? fields.get('source');
    if (!id || !src) throw new InvalidArgumentError(`invalid ${what} ${JSON.stringify(spec)}: id and src are required`, key === 'secrets' ? 'BAD_SECRET' : 'BAD_SSH');
    out[id] = src;
  }
  return out;
}

export function registerBuildRoutes(router: Router<Handler>, engine: Engine): void {
  router.add('POST', '/build', async (ctx) => {
    const q = ctx.query;
    if (q.string('version') === '2') throw new InvalidArgumentError('BuildKit builds (version=2) are not supported by Berth: use the classic builder (DOCKER_BUILDKIT=0)', 'NO_BUILDKIT');
    if (q.string('remote')) throw new InvalidArgumentError('remote build contexts are not supported by Berth: send the context as the request body', 'NO_REMOTE_CONTEXT');
    // builds run for the host's platform; a malformed one is refused before anything runs, as dockerd does (API 1.32+)
    const platform = q.string('platform');
    if (platform && apiAtLeast(ctx.apiVersion, '1.32')) parsePlatform(platform);
    const quiet = q.bool('q');
    const w = new JsonLinesWriter(ctx.res);
    let wrote = false;
    let pending: Promise<void> = Promise.resolve();
    const out = (text: string) => {
      if (quiet) return;
      wrote = true;
      pending = pending.then(() => w.write({ stream: text }));
    };
    try {
      const r = await engine.builds.build(ctx.bodyStream(), {
        dockerfile: q.string('dockerfile') || 'Dockerfile',
        tags: q.all('t').filter(Boolean),
        buildArgs: jsonParam<Record<string, string | null>>(ctx, 'buildargs', {}),
        labels: jsonParam<Record<string, string>>(ctx, 'labels', {}),
        target: q.string('target') || undefined,
        noCache: q.bool('nocache'),
        remove: q.string('rm') === undefined ? true : q.bool('rm'),
        forceRemove: q.bool('forcerm'),
        networkMode: q.string('networkmode') || 'default',
        pull: q.bool('pull'),
        secrets: idSourceParam(ctx, 'secrets'),
        ssh: idSourceParam(ctx, 'ssh'),
        cacheFrom: [jsonParam<string[] | string>(ctx, 'cachefrom', [])].flat().filter((r): r is string => typeof r === 'string' && r !== ''),
        signal: ctx.signal,
        out,
      });
      await pending;
      if (quiet) {
        await w.write({ stream: `${r.id}\n` });
      } else {
        await w.write({ aux: { ID: r.id } });
        await w.write({ stream: `Successfully built ${r.id.replace(/^sha256:/, '').slice(0, 12)}\n` });
        for (const t of q.all('t').filter(Boolean)) await w.write({ stream: `Successfully tagged ${normalizeTag(t)}\n` });
      }
    } catch (e) {
      await pending;
      if (!wrote && !ctx.res.headersSent) throw e; // nothing streamed yet: an ordinary error response
      await w.writeError((e as Error).message, e instanceof BuildStepError ? e.exitCode : 1);
    }
    w.end();
  });

  router.add('POST', '/build/prune', async (ctx) => {
    await ctx.body();
    const r = await engine.builds.prune();
    sendJson(ctx.res, 200, { CachesDeleted: null, SpaceReclaimed: r.bytes });
  });
}

/** System routes (swagger tag "System"): ping, version, info, events, df; plugins (none are installed). */
import { InvalidArgumentError } from '../../../base/errors';
import { matchesEventFilters } from '../../../base/event-filter';
import { apiAtLeast } from '../../http/api-version';
import type { EngineEvent } from '../../../base/events';
import { API_VERSION, MIN_API_VERSION, type Engine } from '../../../engine/types';
import type { Handler } from '../../http/context';
import { JsonLinesWriter } from '../../http/json-lines';
import type { Router } from '../../http/router';
import { sendJson, sendText } from '../../http/respond';
import { parseEventTime, toEventLine } from '../translate/events';
import { toInfoResponse, toVersionResponse } from '../translate/system';
import { pluginNotFound, validatePluginListFilters } from '../translate/plugin';
import { toImageSummaryWire } from '../translate/image';
import { toContainerSummaryWire } from '../translate/container-list';
import { toVolumeUsageWire } from '../translate/volume';
import { asDaemonError } from './images';

const DF_TYPES = ['container', 'image', 'volume', 'build-cache'];

export function registerSystemRoutes(router: Router<Handler>, engine: Engine): void {
  const ping: Handler = async (ctx) => {
    ctx.res.setHeader('Cache-Control', 'no-cache, no-store, must-revalidate');
    ctx.res.setHeader('Pragma', 'no-cache');
    sendText(ctx.res, 200, 'OK');
  };
  router.add('GET', '/_ping', ping);
  router.add('HEAD', '/_ping', ping);

  router.add('POST', '/auth', async (ctx) => {
    const body = (await ctx.json<{ username?: string; password?: string; serveraddress?: string }>()) ?? {};
    const auth = { username: body.username ?? '', password: body.password ?? '', serverAddress: body.serveraddress ?? '' };
    try {
      const r = await engine.images.login(auth, ctx.signal);
      sendJson(ctx.res, 200, { IdentityToken: r.identityToken, Status: r.status });
    } catch (e) {
      throw asDaemonError(e);
    }
  });

  router.add('GET', '/version', async (ctx) => {
    const info = await engine.info();
    sendJson(ctx.res, 200, toVersionResponse(info, { max: API_VERSION, min: MIN_API_VERSION }));
  });

  router.add('GET', '/info', async (ctx) => {
    sendJson(ctx.res, 200, toInfoResponse(await engine.info(), { eventsListeners: engine.events.clientSubscribers }, ctx.apiVersion));
  });

  // type= (1.42, repeatable) computes only the kinds asked for; the others are left out, as dockerd does
  router.add('GET', '/system/df', async (ctx) => {
    const types = apiAtLeast(ctx.apiVersion, '1.42') ? ctx.query.all('type') : [];
    for (const t of types) if (!DF_TYPES.includes(t)) throw new InvalidArgumentError(`unknown object type: ${t}`, 'INVALID_DF_TYPE');
    const want = (t: string) => types.length === 0 || types.includes(t);
    const [images, containers, volumes] = await Promise.all([
      want('image') ? engine.images.list({ sharedSize: true }) : undefined, // without intermediates, as dockerd's df
      want('container') ? engine.containers.list({ all: true, size: true }) : undefined,
      want('volume') ? engine.volumes.usage() : undefined,
    ]);
    const body: Record<string, unknown> = {
      LayersSize: images ? engine.images.layersSize() : 0, // shared layers once, as dockerd
      // df is where dockerd computes SharedSize (images/json sends -1 unless shared-size)
      Images: images ? images.map((i) => toImageSummaryWire(i, ctx.apiVersion)) : null,
      // no ImageManifestDescriptor in df, as dockerd's
      Containers: containers ? containers.map(({ imageManifest: _left, ...c }) => toContainerSummaryWire(c, ctx.apiVersion)) : null,
      Volumes: volumes ? volumes.map(toVolumeUsageWire) : null,
      BuildCache: want('build-cache') ? [] : null,
    };
    // BuilderSize left the API in 1.42
    if (!apiAtLeast(ctx.apiVersion, '1.42')) body.BuilderSize = 0;
    sendJson(ctx.res, 200, body);
  });

  router.add('GET', '/events', async (ctx) => {
    const filters = ctx.query.filters();
    const since = parseEventTime(ctx.query.string('since'));
    const until = parseEventTime(ctx.query.string('until'));
    if (since !== undefined && until !== undefined && until < since) {
      throw new InvalidArgumentError(`\`since\` time (${ctx.query.string('since')}) cannot be after \`until\` time (${ctx.query.string('until')})`);
    }
    const w = new JsonLinesWriter(ctx.res, '\n');
    w.start();
    const pass = (e: EngineEvent) => matchesEventFilters(e, filters) && (until === undefined || e.timeNano <= until);
    // subscribe before replaying so nothing falls between history and live events
    const live: EngineEvent[] = [];
    let replaying = true;
    let wake: (() => void) | undefined;
    const unsubscribe = engine.events.subscribeClient((e) => {
      live.push(e);
      if (!replaying) wake?.();
    });
    try {
      // dockerd replays its kept events when either bound is given (until alone: everything kept up to it)
      const history = since !== undefined || until !== undefined ? engine.events.replay(since, until) : [];
      const seen = new Set(history);
      for (const e of history) if (pass(e)) await w.writeLine(toEventLine(e));
      replaying = false;
      const untilMs = until === undefined ? undefined : Number(until / 1_000_000n) - Date.now();
      const timer = untilMs !== undefined ? setTimeout(() => wake?.(), Math.max(0, untilMs)) : undefined;
      try {
        while (!ctx.signal.aborted) {
          while (live.length) {
            const e = live.shift()!;
            if (!seen.has(e) && pass(e)) await w.writeLine(toEventLine(e));
          }
          if (until !== undefined && BigInt(Date.now()) * 1_000_000n >= until) break;
          await new Promise<void>((resolve) => {
            wake = resolve;
            ctx.signal.addEventListener('abort', () => resolve(), { once: true });
          });
        }
      } finally {
        if (timer) clearTimeout(timer);
      }
    } finally {
      unsubscribe();
    }
    w.end();
  });

  router.add('GET', '/plugins', async (ctx) => {
    validatePluginListFilters(ctx.query.filters());
    sendJson(ctx.res, 200, []);
  });
  router.add('GET', '/plugins/:name/json', async (ctx) => {
    throw pluginNotFound(ctx.params.name!);
  });
  for (const [method, suffix] of [['DELETE', ''], ['POST', '/enable'], ['POST', '/disable'], ['POST', '/push'], ['POST', '/set'], ['POST', '/upgrade']] as const) {
    router.add(method, `/plugins/:name${suffix}`, async (ctx) => {
      await ctx.body();
      throw pluginNotFound(ctx.params.name!);
    });
  }
}

/** Volume routes (swagger tag "Volume"): translate, call engine.volumes, answer. */
import type { Engine } from '../../../engine/types';
import type { VolumeCreateRequest } from '../../../protocol/docker/volume';
import type { Handler } from '../../http/context';
import type { Router } from '../../http/router';
import { apiAtLeast } from '../../http/api-version';
import { sendEmpty, sendJson } from '../../http/respond';
import { toVolumeWire, translateVolumeCreate } from '../translate/volume';

export function registerVolumeRoutes(router: Router<Handler>, engine: Engine): void {
  const volumes = engine.volumes;

  router.add('GET', '/volumes', async (ctx) => {
    const list = await volumes.list(ctx.query.filters());
    sendJson(ctx.res, 200, { Volumes: list.map(toVolumeWire), Warnings: null });
  });

  router.add('POST', '/volumes/create', async (ctx) => {
    const v = await volumes.create(translateVolumeCreate(await ctx.json<VolumeCreateRequest>({ requireJsonType: true })));
    sendJson(ctx.res, 201, toVolumeWire(v));
  });

  router.add('POST', '/volumes/prune', async (ctx) => {
    await ctx.body();
    const filters = ctx.query.filters();
    // before 1.42 a prune took every unused volume, not only anonymous ones
    if (!apiAtLeast(ctx.apiVersion, '1.42')) filters['all'] = ['true'];
    const r = await volumes.prune(filters);
    sendJson(ctx.res, 200, { VolumesDeleted: r.deleted, SpaceReclaimed: r.spaceReclaimed }); // dockerd 20.10: [] when nothing went
  });

  router.add('GET', '/volumes/:name', async (ctx) => {
    sendJson(ctx.res, 200, toVolumeWire(await volumes.inspect(ctx.params.name!)));
  });

  router.add('DELETE', '/volumes/:name', async (ctx) => {
    await volumes.remove(ctx.params.name!, { force: ctx.query.bool('force') });
    sendEmpty(ctx.res, 204);
  });
}

/** Network routes (swagger tag "Network"): translate, call engine.networks / engine.connectNetwork, answer. */
import type { Engine } from '../../../engine/types';
import type { NetworkConnectRequest, NetworkCreateRequest, NetworkDisconnectRequest } from '../../../protocol/docker/network';
import type { Handler } from '../../http/context';
import type { Router } from '../../http/router';
import { sendEmpty, sendJson } from '../../http/respond';
import { networkListFilter, networkPruneFilter, toNetworkWire, translateNetworkConnect, translateNetworkCreate, translateNetworkDisconnect } from '../translate/network';

export function registerNetworkRoutes(router: Router<Handler>, engine: Engine): void {
  const networks = engine.networks;

  router.add('GET', '/networks', async (ctx) => {
    const keep = networkListFilter(ctx.query.filters());
    const list = await networks.list();
    sendJson(ctx.res, 200, list.filter(keep).map(toNetworkWire));
  });

  router.add('POST', '/networks/create', async (ctx) => {
    const opts = translateNetworkCreate(await ctx.json<NetworkCreateRequest>({ requireJsonType: true }));
    const r = await networks.create(opts);
    sendJson(ctx.res, 201, { Id: r.id, Warning: r.warnings.join('\n') });
  });

  router.add('POST', '/networks/prune', async (ctx) => {
    await ctx.body();
    const removed = await networks.prune(networkPruneFilter(ctx.query.filters()));
    sendJson(ctx.res, 200, { NetworksDeleted: removed.length ? removed : null }); // dockerd: null when nothing went
  });

  router.add('GET', '/networks/:id', async (ctx) => {
    sendJson(ctx.res, 200, toNetworkWire(await networks.inspect(ctx.params.id!)));
  });

  router.add('DELETE', '/networks/:id', async (ctx) => {
    await networks.remove(ctx.params.id!);
    sendEmpty(ctx.res, 204);
  });

  router.add('POST', '/networks/:id/connect', async (ctx) => {
    const c = translateNetworkConnect(await ctx.json<NetworkConnectRequest>({ requireJsonType: true }));
    const opts: { aliases: string[]; ipv4Address?: string } = { aliases: c.aliases };
    if (c.ipv4Address) opts.ipv4Address = c.ipv4Address;
    await engine.connectNetwork(ctx.params.id!, c.container, opts);
    sendEmpty(ctx.res, 200);
  });

  router.add('POST', '/networks/:id/disconnect', async (ctx) => {
    const c = translateNetworkDisconnect(await ctx.json<NetworkDisconnectRequest>({ requireJsonType: true }));
    await engine.disconnectNetwork(ctx.params.id!, c.container, c.force);
    sendEmpty(ctx.res, 200);
  });
}

/**
 * POST /session: where a BuildKit client opens its session (an h2c upgrade; the daemon then
 * calls the client's gRPC services over it). Berth builds only with the classic builder, so it
 * never calls into a session: it answers the upgrade and holds the connection until the client
 * closes it, as dockerd does for a session no build uses. Builds that would use one
 * (`version=2`) are refused in words by POST /build. Bad upgrades are refused in dockerd's words.
 */
import type { Duplex } from 'node:stream';
import { InvalidArgumentError } from '../../../base/errors';
import type { Handler } from '../../http/context';
import type { Router } from '../../http/router';

export function registerSessionRoutes(router: Router<Handler>): void {
  /** the open sessions' ids (X-Docker-Expose-Session-Uuid): one connection each */
  const open = new Set<string>();
  router.add('POST', '/session', async (ctx) => {
    const header = (name: string): string => {
      const v = ctx.req.headers[name];
      return (Array.isArray(v) ? v[0] : v) ?? '';
    };
    const id = header('x-docker-expose-session-uuid');
    // dockerd answers every refusal here with 400
    if (open.has(id)) throw new InvalidArgumentError(`session ${id} already exists`, 'SESSION_EXISTS');
    const proto = header('upgrade');
    if (!proto) throw new InvalidArgumentError('no upgrade proto in request', 'NO_UPGRADE');
    if (proto !== 'h2c') throw new InvalidArgumentError(`protocol ${proto} not supported`, 'UPGRADE_UNSUPPORTED');
    await ctx.body();
    // Go clients send `Upgrade` without `Connection: Upgrade`, so the request may come either way
    const socket: Duplex = ctx.upgrade?.socket ?? ctx.req.socket;
    ctx.res.detachSocket(socket as never);
    open.add(id);
    socket.once('close', () => open.delete(id));
    socket.on('error', () => socket.destroy());
    socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n');
    // nothing is read from the session; a client's end ends it
    socket.on('end', () => socket.end());
  });
}

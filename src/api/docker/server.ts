/**
 * Door 1: the Docker Engine API over the engine facade. Returns a server that
 * is not yet listening; the daemon listens on its unix sockets.
 */
import type { Server } from 'node:http';
import type { Logger } from '../../base/logger';
import { API_VERSION, BERTH_VERSION, MIN_API_VERSION, type Engine } from '../../engine/types';
import type { Handler } from '../http/context';
import { createHttpServer } from '../http/http-app';
import { sendJson } from '../http/respond';
import { Router } from '../http/router';
import { createErrorHook } from './errors';
import { registerContainerRoutes } from './routes/containers';
import { registerExecRoutes } from './routes/exec';
import { registerImageRoutes } from './routes/images';
import { registerBuildRoutes } from './routes/build';
import { registerSessionRoutes } from './routes/session';
import { registerNetworkRoutes } from './routes/networks';
import { registerSystemRoutes } from './routes/system';
import { registerVolumeRoutes } from './routes/volumes';
import { registerKubeRoutes } from './routes/kube';

export function dockerStandardHeaders(): Record<string, string> {
  return { 'Api-Version': API_VERSION, 'Docker-Experimental': 'false', Ostype: 'linux', Server: `Berth/${BERTH_VERSION} (linux)` };
}

export function createDockerRouter(engine: Engine): Router<Handler> {
  const router = new Router<Handler>();
  registerSystemRoutes(router, engine);
  registerContainerRoutes(router, engine);
  registerExecRoutes(router, engine);
  registerImageRoutes(router, engine);
  registerBuildRoutes(router, engine);
  registerSessionRoutes(router);
  registerNetworkRoutes(router, engine);
  registerVolumeRoutes(router, engine);
  registerKubeRoutes(router, engine);
  return router;
}

export function createDockerApiServer(engine: Engine, logger: Logger): Server {
  return createHttpServer({
    router: createDockerRouter(engine),
    maxVersion: API_VERSION,
    minVersion: MIN_API_VERSION,
    standardHeaders: dockerStandardHeaders(),
    notFound: async (ctx) => sendJson(ctx.res, 404, { message: 'page not found' }),
    onError: createErrorHook(logger),
    logger,
  });
}

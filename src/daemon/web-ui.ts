/** `--ui-addr`: the dashboard's listener, its token (logged, and in <execRoot>/ui-token, 0600), and its end. */
import { promises as fs } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../base/logger';
import type { Engine } from '../engine/types';
import { parseUiAddr, uiUrl } from '../api/ui/address';
import { DEFAULT_UI_ASSETS, loadAssets } from '../api/ui/assets';
import { createUiServer } from '../api/ui/server';
import { newUiToken, writeUiToken } from '../api/ui/token';

export interface WebUi {
  close(): Promise<void>;
}

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || host.startsWith('127.');

export async function startWebUi(engine: Engine, addr: string, execRoot: string, logger: Logger, assetsDir = DEFAULT_UI_ASSETS): Promise<WebUi> {
  const where = parseUiAddr(addr);
  const assets = await loadAssets(assetsDir);
  const token = newUiToken();
  const server = createUiServer({ engine, token, assets, listenHost: where.host, logger: logger.child({ module: 'ui' }) });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(where.port, where.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const tokenFile = await writeUiToken(execRoot, token).catch((e: unknown) => {
    server.close();
    throw e;
  });
  const url = uiUrl({ host: where.host, port: (server.address() as AddressInfo).port });
  logger.info({ url, token, tokenFile }, 'web UI listening (read-only until you log in with the token)');
  if (!isLoopback(where.host)) logger.warn({ url }, 'the web UI listens beyond loopback: anyone who reaches it can read container lists and logs');
  return {
    async close() {
      server.close();
      server.closeAllConnections();
      await fs.rm(tokenFile, { force: true });
    },
  };
}

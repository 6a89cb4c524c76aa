/**
 * `berth registry` entry point: runs the OCI Distribution server in the
 * foreground until SIGINT/SIGTERM, then closes listeners and connections.
 * This is a composition root (like daemon/): it may touch process signals and stderr.
 */
import { createStreamLogger, type Logger } from '../base/logger.js';
import type { TokenAuthOptions } from './auth/configure.js';
import type { UpstreamOptions } from './proxy/upstream.js';
import { startRegistry } from './server.js';

export interface RunRegistryOptions {
  addr: string;
  data: string;
  htpasswd?: string;
  /** bearer token auth; see StartRegistryOptions */
  tokenAuth?: TokenAuthOptions;
  /** pull-through cache of this upstream */
  proxy?: UpstreamOptions;
  tlsCert?: string;
  tlsKey?: string;
  /** accept manifests that reference blobs or manifests the repository lacks */
  allowMissingBlobs?: boolean;
  onReady?: (url: string) => void;
  log?: Logger;
  /** stops the server like a signal would (tests, embedding) */
  signal?: AbortSignal;
}

/**
 * Serves until SIGINT/SIGTERM (or `opts.signal`), then resolves.
 * @example await runRegistry({ addr: '127.0.0.1:5000', data: '/var/lib/berth/registry', onReady: (u) => console.log(u) })
 */
export async function runRegistry(opts: RunRegistryOptions): Promise<void> {
  const log = opts.log ?? createStreamLogger((line) => process.stderr.write(line), 'info', { module: 'registry' });
  const running = await startRegistry({
    addr: opts.addr,
    data: opts.data,
    log,
    ...(opts.htpasswd ? { htpasswd: opts.htpasswd } : {}),
    ...(opts.tokenAuth ? { tokenAuth: opts.tokenAuth } : {}),
    ...(opts.proxy ? { proxy: opts.proxy } : {}),
    ...(opts.tlsCert ? { tlsCert: opts.tlsCert } : {}),
    ...(opts.tlsKey ? { tlsKey: opts.tlsKey } : {}),
    ...(opts.allowMissingBlobs ? { allowMissingBlobs: true } : {}),
  });
  const auth = opts.tokenAuth ? 'token' : opts.htpasswd ? 'basic' : 'none';
  log.info({ url: running.url, data: opts.data, auth, ...(opts.proxy ? { proxy: opts.proxy.url } : {}), ...(opts.allowMissingBlobs ? { allowMissingBlobs: true } : {}) }, 'registry listening');
  opts.onReady?.(running.url);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      opts.signal?.removeEventListener('abort', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (opts.signal?.aborted) stop();
    else opts.signal?.addEventListener('abort', stop, { once: true });
  });
  await running.close();
  log.info('registry stopped');
}

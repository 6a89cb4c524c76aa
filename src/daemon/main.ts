/**
 * berthd: the composition root. Resolves config, creates the engine, serves
 * the Docker API on the configured sockets, and shuts down on SIGINT/SIGTERM
 * leaving containers running under conmon.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Server } from 'node:http';
import { createStreamLogger } from '../base/logger';
import { InvalidArgumentError, UnavailableError } from '../base/errors';
import { createEngine } from '../engine/create-engine';
import { createDockerApiServer } from '../api/docker/server';
import { DEFAULT_DATA_ROOT, DEFAULT_EXEC_ROOT, DEFAULT_HOST, type DaemonOptions } from './options';

export function resolveOptions(opts: Partial<DaemonOptions>): DaemonOptions {
  return {
    dataRoot: path.resolve(opts.dataRoot || process.env.BERTH_DATA_ROOT || DEFAULT_DATA_ROOT),
    execRoot: path.resolve(opts.execRoot || process.env.BERTH_EXEC_ROOT || DEFAULT_EXEC_ROOT),
    hosts: opts.hosts?.length ? opts.hosts : [process.env.BERTH_HOST || DEFAULT_HOST],
    runtime: opts.runtime || process.env.BERTH_RUNTIME || 'auto',
    logLevel: opts.logLevel ?? ((process.env.BERTH_LOG_LEVEL as DaemonOptions['logLevel']) || 'info'),
    bip: opts.bip || process.env.BERTH_BIP || undefined,
    bridge: opts.bridge || process.env.BERTH_BRIDGE || undefined,
    insecureRegistries: opts.insecureRegistries ?? [],
    registryMirrors: opts.registryMirrors ?? [],
    usernsRemap: opts.usernsRemap || process.env.BERTH_USERNS_REMAP || undefined,
    onReady: opts.onReady,
  };
}

/** "10.88.0.1/16" → "10.88.0.0/16" */
export function networkOfCidr(cidr: string): string {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) throw new InvalidArgumentError(`invalid --bip: ${cidr} is not an IPv4 CIDR`);
  const bits = Number(m[5]);
  const ip = m.slice(1, 5).reduce((a, o) => (a << 8) + Number(o), 0) >>> 0;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const n = (ip & mask) >>> 0;
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/${bits}`;
}

/** One daemon per exec root: a second one would fight over the same containers. */
async function takePidfile(execRoot: string): Promise<string> {
  const pidfile = path.join(execRoot, 'berthd.pid');
  const old = Number((await fs.readFile(pidfile, 'utf8').catch(() => '')).trim());
  if (old && old !== process.pid) {
    let alive = false;
    try {
      process.kill(old, 0);
      const cmd = await fs.readFile(`/proc/${old}/cmdline`, 'utf8').catch(() => '');
      alive = cmd.includes('berth');
    } catch {
      alive = false;
    }
    if (alive) throw new UnavailableError(`a berth daemon (pid ${old}) is already running with exec root ${execRoot}`);
  }
  await fs.writeFile(pidfile, `${process.pid}\n`);
  return pidfile;
}

function socketPath(host: string): string {
  if (!host.startsWith('unix://')) throw new InvalidArgumentError(`unsupported host ${host}: only unix:// sockets are served`);
  return host.slice('unix://'.length);
}

async function listen(server: Server, sock: string): Promise<void> {
  await fs.mkdir(path.dirname(sock), { recursive: true });
  await fs.rm(sock, { force: true }); // a stale socket from a killed daemon
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(sock, () => {
      server.off('error', reject);
      resolve();
    });
  });
  await fs.chmod(sock, 0o660);
}

/** Rootless mode (an unprivileged user's daemon) is not built yet: say so before anything fails half-way. */
export const ROOTLESS_UNSUPPORTED = 'rootless mode is not supported yet: run berthd as root (--userns-remap default runs containers whose root is not root on the host)';

export async function runDaemon(input: Partial<DaemonOptions>): Promise<void> {
  if (process.getuid?.() !== 0) throw new UnavailableError(ROOTLESS_UNSUPPORTED);
  const opts = resolveOptions(input);
  const logger = createStreamLogger((l) => process.stderr.write(l), opts.logLevel);
  // A promise nobody awaited failed: a bug, logged loudly; the daemon keeps serving the containers it watches
  // instead of dying (Node's default) and leaving every client with a dropped connection.
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason instanceof Error ? reason.stack ?? reason.message : String(reason) }, 'unhandled promise rejection (a bug in berthd)');
  });
  await fs.mkdir(opts.execRoot, { recursive: true });
  const pidfile = await takePidfile(opts.execRoot);
  const defaultBridge = { subnet: opts.bip ? networkOfCidr(opts.bip) : undefined, interfaceName: opts.bridge };
  const engine = await createEngine({ dataRoot: opts.dataRoot, execRoot: opts.execRoot, runtime: opts.runtime, defaultBridge, insecureRegistries: opts.insecureRegistries ?? [], registryMirrors: opts.registryMirrors ?? [], ...(opts.usernsRemap ? { usernsRemap: opts.usernsRemap } : {}) }, { logger });
  const servers: Server[] = [];
  for (const h of opts.hosts) {
    const server = createDockerApiServer(engine, logger.child({ module: 'api' }));
    await listen(server, socketPath(h));
    servers.push(server);
    logger.info({ host: h }, 'API listening');
  }
  logger.info({ dataRoot: opts.dataRoot, execRoot: opts.execRoot }, 'daemon ready');
  opts.onReady?.();
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      logger.info({ signal: sig }, 'shutting down; containers keep running');
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  for (const s of servers) {
    s.close();
    s.closeAllConnections();
  }
  await engine.close();
  for (const h of opts.hosts) await fs.rm(socketPath(h), { force: true });
  await fs.rm(pidfile, { force: true });
}

/**
 * berthd: the composition root. Resolves config, creates the engine, serves
 * the Docker API on the configured sockets, and shuts down on SIGINT/SIGTERM
 * leaving containers running under conmon.
 */
import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Server } from 'node:http';
import { createStreamLogger, type Logger } from '../base/logger';
import { InvalidArgumentError, UnavailableError } from '../base/errors';
import { createEngine } from '../engine/create-engine';
import { createDockerApiServer } from '../api/docker/server';
import { DEFAULT_CONFIG_FILE, DEFAULT_SOCKET_GROUP, daemonDefaults, type DaemonOptions } from './options';
import { isRootlessDaemon, isUnprivileged, releaseHolder } from '../platform/rootless';
import { launchRootless } from './rootless-launch';
import { lookupGroupId } from '../platform/groups';
import { parseUiAddr } from '../api/ui/address';
import { startWebUi, type WebUi } from './web-ui';
import { createMetricsServer, parseMetricsAddr } from '../api/metrics/server';
import { BUILTIN_DEFAULT_LOG_CONFIG } from '../container/logs/config';

/** daemon.json's keys that Berth reads (dockerd's names); flags win over the file. */
interface DaemonJson {
  'data-root'?: string;
  'exec-root'?: string;
  hosts?: string[];
  runtime?: string;
  bip?: string;
  bridge?: string;
  'insecure-registries'?: string[];
  'registry-mirrors'?: string[];
  'log-level'?: DaemonOptions['logLevel'];
  'log-driver'?: string;
  'log-opts'?: Record<string, string>;
  'metrics-addr'?: string;
  group?: string;
  'signature-policy'?: string;
  'userns-remap'?: string;
  'storage-driver'?: string;
}

/** Reads the config file: an explicit one must exist; the default one may be absent. */
export function readDaemonJson(file: string | undefined, defaultFile = DEFAULT_CONFIG_FILE): DaemonJson {
  const f = file || defaultFile;
  let text: string;
  try {
    text = readFileSync(f, 'utf8');
  } catch (e) {
    if (!file && (e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new InvalidArgumentError(`unable to configure the Docker daemon with file ${f}: ${(e as Error).message}`);
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not a JSON object');
    const j = v as DaemonJson;
    for (const [k, val] of Object.entries(j['log-opts'] ?? {})) if (typeof val !== 'string') throw new Error(`log-opts: the value of ${k} must be a string`);
    return j;
  } catch (e) {
    throw new InvalidArgumentError(`unable to configure the Docker daemon with file ${f}: ${(e as Error).message}`);
  }
}

export function resolveOptions(input: Partial<DaemonOptions>, rootless = false): DaemonOptions {
  const defaults = daemonDefaults(rootless, process.env);
  const j = readDaemonJson(input.configFile || process.env.BERTH_CONFIG_FILE, defaults.configFile);
  const opts: Partial<DaemonOptions> = {
    ...input,
    dataRoot: input.dataRoot || j['data-root'],
    execRoot: input.execRoot || j['exec-root'],
    hosts: input.hosts?.length ? input.hosts : j.hosts,
    runtime: input.runtime || j.runtime,
    bip: input.bip || j.bip,
    bridge: input.bridge || j.bridge,
    logLevel: input.logLevel ?? j['log-level'],
    insecureRegistries: input.insecureRegistries?.length ? input.insecureRegistries : j['insecure-registries'],
    registryMirrors: input.registryMirrors?.length ? input.registryMirrors : j['registry-mirrors'],
    logDriver: input.logDriver || j['log-driver'],
    metricsAddr: input.metricsAddr || j['metrics-addr'],
    socketGroup: input.socketGroup || j.group,
    signaturePolicy: input.signaturePolicy || j['signature-policy'],
    usernsRemap: input.usernsRemap || j['userns-remap'],
    storageDriver: input.storageDriver || j['storage-driver'],
    // options belong to a driver: the file's apply only when the flags name no other driver
    logOpts: input.logOpts && Object.keys(input.logOpts).length ? input.logOpts : input.logDriver && input.logDriver !== j['log-driver'] ? {} : j['log-opts'],
  };
  return {
    dataRoot: path.resolve(opts.dataRoot || process.env.BERTH_DATA_ROOT || defaults.dataRoot),
    execRoot: path.resolve(opts.execRoot || process.env.BERTH_EXEC_ROOT || defaults.execRoot),
    hosts: opts.hosts?.length ? opts.hosts : [process.env.BERTH_HOST || defaults.host],
    runtime: opts.runtime || process.env.BERTH_RUNTIME || 'auto',
    logLevel: opts.logLevel ?? ((process.env.BERTH_LOG_LEVEL as DaemonOptions['logLevel']) || 'info'),
    bip: opts.bip || process.env.BERTH_BIP || undefined,
    bridge: opts.bridge || process.env.BERTH_BRIDGE || undefined,
    insecureRegistries: opts.insecureRegistries ?? [],
    registryMirrors: opts.registryMirrors ?? [],
    ...(opts.signaturePolicy ? { signaturePolicy: path.resolve(opts.signaturePolicy) } : {}),
    socketGroup: opts.socketGroup || process.env.BERTH_GROUP || DEFAULT_SOCKET_GROUP,
    uiAddr: opts.uiAddr || process.env.BERTH_UI_ADDR || undefined,
    metricsAddr: opts.metricsAddr || process.env.BERTH_METRICS_ADDR || undefined,
    logDriver: opts.logDriver,
    logOpts: opts.logOpts,
    usernsRemap: opts.usernsRemap || process.env.BERTH_USERNS_REMAP || undefined,
    ...(opts.storageDriver ? { storageDriver: opts.storageDriver } : {}),
    onReady: opts.onReady,
  };
}

/** The daemon's logging default: Berth's capped json-file unless a driver or options were given. */
export function daemonLogConfig(o: DaemonOptions): { type: string; config: Record<string, string> } {
  if (!o.logDriver && !o.logOpts) return BUILTIN_DEFAULT_LOG_CONFIG;
  const type = o.logDriver || 'json-file';
  const config = o.logOpts ?? (type === BUILTIN_DEFAULT_LOG_CONFIG.type ? BUILTIN_DEFAULT_LOG_CONFIG.config : {});
  return { type, config: { ...config } };
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

/**
 * The socket is 0660 root:<group>, so members of the group (Docker's `docker` group) use the daemon without
 * sudo. A missing default group is only a warning, as dockerd's; a group named on purpose must exist.
 */
async function socketGid(opts: DaemonOptions, logger: Logger): Promise<number | undefined> {
  const name = opts.socketGroup ?? DEFAULT_SOCKET_GROUP;
  const gid = await lookupGroupId(name);
  if (gid !== undefined) return gid;
  if (name !== DEFAULT_SOCKET_GROUP) throw new InvalidArgumentError(`group ${name} not found`);
  logger.warn({ group: name }, 'socket group not found: the socket stays root-only (create the group to share it)');
  return undefined;
}

async function listen(server: Server, sock: string, gid: number | undefined): Promise<void> {
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
  if (gid !== undefined) await fs.chown(sock, 0, gid);
}

/** Serves until SIGINT/SIGTERM; resolves with the exit code. An unprivileged user's daemon runs in its own namespaces. */
export async function runDaemon(input: Partial<DaemonOptions>): Promise<number> {
  if (isUnprivileged()) return launchRootless(resolveOptions(input, true).execRoot);
  const rootless = isRootlessDaemon();
  const opts = resolveOptions(input, rootless);
  const logger = createStreamLogger((l) => process.stderr.write(l), opts.logLevel);
  // A promise nobody awaited failed: a bug, logged loudly; the daemon keeps serving the containers it watches
  // instead of dying (Node's default) and leaving every client with a dropped connection.
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason instanceof Error ? reason.stack ?? reason.message : String(reason) }, 'unhandled promise rejection (a bug in berthd)');
  });
  if (opts.uiAddr) parseUiAddr(opts.uiAddr); // a bad flag fails before anything starts
  const metricsAt = opts.metricsAddr ? parseMetricsAddr(opts.metricsAddr) : undefined;
  if (opts.metricsAddr && !metricsAt) throw new InvalidArgumentError(`invalid --metrics-addr ${opts.metricsAddr}: want host:port`);
  // a missing --group fails before anything is made; a rootless daemon's socket stays the user's own
  const gid = rootless ? undefined : await socketGid(opts, logger);
  await fs.mkdir(opts.execRoot, { recursive: true });
  const pidfile = await takePidfile(opts.execRoot);
  const defaultBridge = { subnet: opts.bip ? networkOfCidr(opts.bip) : undefined, interfaceName: opts.bridge };
  const engine = await createEngine({ dataRoot: opts.dataRoot, execRoot: opts.execRoot, runtime: opts.runtime, defaultBridge, insecureRegistries: opts.insecureRegistries ?? [], registryMirrors: opts.registryMirrors ?? [], ...(opts.signaturePolicy ? { signaturePolicy: opts.signaturePolicy } : {}), logConfig: daemonLogConfig(opts), ...(opts.usernsRemap ? { usernsRemap: opts.usernsRemap } : {}), ...(rootless ? { rootless: true } : {}), ...(opts.storageDriver ? { storageDriver: opts.storageDriver } : {}) }, { logger });
  const servers: Server[] = [];
  for (const h of opts.hosts) {
    const server = createDockerApiServer(engine, logger.child({ module: 'api' }));
    await listen(server, socketPath(h), gid);
    servers.push(server);
    logger.info({ host: h }, 'API listening');
  }
  let ui: WebUi | undefined;
  const shutdown = async () => {
    for (const s of servers) {
      s.close();
      s.closeAllConnections();
    }
    await ui?.close();
    await engine.close();
    if (rootless) await releaseHolder(opts.execRoot); // its containers are stopped: the namespaces may end
    for (const h of opts.hosts) await fs.rm(socketPath(h), { force: true });
    await fs.rm(pidfile, { force: true });
  };
  if (opts.uiAddr) {
    try {
      ui = await startWebUi(engine, opts.uiAddr, opts.execRoot, logger);
    } catch (e) {
      await shutdown();
      throw e;
    }
  }
  if (metricsAt) {
    const server = createMetricsServer(engine, logger.child({ module: 'metrics' }));
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(metricsAt.port, metricsAt.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (e) {
      // a taken port: leave nothing behind (sockets, pidfile), as a daemon that never started
      await shutdown();
      throw new UnavailableError(`failed to listen on --metrics-addr ${opts.metricsAddr}: ${e instanceof Error ? e.message : String(e)}`);
    }
    servers.push(server);
    logger.info({ addr: opts.metricsAddr }, 'metrics listening');
  }
  logger.info({ dataRoot: opts.dataRoot, execRoot: opts.execRoot }, 'daemon ready');
  opts.onReady?.();
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      logger.info({ signal: sig }, rootless ? 'shutting down; rootless containers stop with the daemon' : 'shutting down; containers keep running');
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await shutdown();
  return 0;
}

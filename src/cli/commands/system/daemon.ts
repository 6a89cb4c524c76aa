/** `berth daemon`: flags → DaemonOptions → runDaemon() of src/daemon/main.ts (loaded only here). */
import type { CommandModule } from '../../command-module';
import { DEFAULT_DATA_ROOT, DEFAULT_EXEC_ROOT, DEFAULT_SOCKET_GROUP, daemonDefaults, type DaemonOptions } from '../../../daemon/options';
import { isRootlessInvocation } from '../../../platform/rootless';
import { CliExit } from '../../exit-codes';

interface DaemonFlags {
  dataRoot?: string;
  execRoot?: string;
  host: string[];
  runtime?: string;
  logLevel?: string;
  bip?: string;
  bridge?: string;
  insecureRegistry: string[];
  registryMirror: string[];
  group?: string;
  signaturePolicy?: string;
  uiAddr?: string;
  metricsAddr?: string;
  logDriver?: string;
  logOpt: string[];
  configFile?: string;
  usernsRemap?: string;
  storageDriver?: string;
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

export function toDaemonOptions(f: DaemonFlags, env: NodeJS.ProcessEnv = process.env): DaemonOptions {
  if (f.logLevel && !(LEVELS as readonly string[]).includes(f.logLevel)) throw new CliExit(125, `invalid log level: ${f.logLevel}`);
  // an unprivileged user's daemon is a rootless one, with dockerd-rootless's places
  const defaults = daemonDefaults(isRootlessInvocation(env), env);
  return {
    dataRoot: f.dataRoot ?? defaults.dataRoot,
    execRoot: f.execRoot ?? defaults.execRoot,
    hosts: f.host.length ? f.host : [defaults.host],
    ...(f.runtime ? { runtime: f.runtime } : {}),
    ...(f.logLevel ? { logLevel: f.logLevel as DaemonOptions['logLevel'] } : {}),
    ...(f.bip ? { bip: f.bip } : {}),
    ...(f.bridge ? { bridge: f.bridge } : {}),
    ...(f.insecureRegistry.length ? { insecureRegistries: f.insecureRegistry } : {}),
    ...(f.registryMirror.length ? { registryMirrors: f.registryMirror } : {}),
    ...(f.group ? { socketGroup: f.group } : {}),
    ...(f.signaturePolicy ? { signaturePolicy: f.signaturePolicy } : {}),
    ...(f.uiAddr ? { uiAddr: f.uiAddr } : {}),
    ...(f.metricsAddr ? { metricsAddr: f.metricsAddr } : {}),
    ...(f.logDriver ? { logDriver: f.logDriver } : {}),
    ...(f.logOpt.length ? { logOpts: parseLogOpts(f.logOpt) } : {}),
    ...(f.configFile ? { configFile: f.configFile } : {}),
    ...(f.usernsRemap ? { usernsRemap: f.usernsRemap } : {}),
    ...(f.storageDriver ? { storageDriver: f.storageDriver } : {}),
  };
}

/** "k=v" pairs of --log-opt (dockerd's wording for a pair without "="). */
export function parseLogOpts(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new CliExit(125, `invalid argument "${kv}" for "--log-opt" flag: invalid key value pair format: ${kv}`);
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

export const command: CommandModule<DaemonFlags> = {
  usage: '[OPTIONS]',
  description: 'Run the Berth daemon',
  flags: [
    { flags: '--data-root', key: 'dataRoot', kind: 'string', description: `Root directory of persistent state (default "${DEFAULT_DATA_ROOT}")` },
    { flags: '--exec-root', key: 'execRoot', kind: 'string', description: `Root directory for execution state files (default "${DEFAULT_EXEC_ROOT}")` },
    { flags: '-H, --host', key: 'host', kind: 'list', description: 'Daemon socket(s) to connect to' },
    { flags: '--runtime', key: 'runtime', kind: 'string', description: 'OCI runtime: auto, runc or crun' },
    { flags: '--bip', key: 'bip', kind: 'string', description: 'Subnet of the default bridge network, as CIDR (e.g. 10.88.0.1/16)' },
    { flags: '-b, --bridge', key: 'bridge', kind: 'string', description: 'Device name of the default bridge network (default "berth0")' },
    { flags: '--insecure-registry', key: 'insecureRegistry', kind: 'list', description: 'Enable insecure registry communication' },
    { flags: '--registry-mirror', key: 'registryMirror', kind: 'list', description: 'Preferred registry mirror' },
    { flags: '--signature-policy', key: 'signaturePolicy', kind: 'string', description: 'JSON file naming registries whose images must carry a signature by given keys' },
    { flags: '-G, --group', key: 'group', kind: 'string', description: `Group for the unix socket (default "${DEFAULT_SOCKET_GROUP}")` },
    { flags: '--ui-addr', key: 'uiAddr', kind: 'string', description: 'Serve the web dashboard on HOST:PORT (e.g. 127.0.0.1:9100); changes need the token it logs' },
    { flags: '--metrics-addr', key: 'metricsAddr', kind: 'string', description: 'Set default address and port to serve the metrics api on' },
    { flags: '--log-driver', key: 'logDriver', kind: 'string', description: 'Default driver for container logs (default "json-file")' },
    { flags: '--log-opt', key: 'logOpt', kind: 'list', description: 'Default log driver options for containers (default max-size=20m, max-file=3)' },
    { flags: '--config-file', key: 'configFile', kind: 'string', description: 'Daemon configuration file (default "/etc/berth/daemon.json")' },
    { flags: '--userns-remap', key: 'usernsRemap', kind: 'string', description: 'User/Group setting for user namespaces ("default", "user[:group]", "uid[:gid]")' },
    { flags: '-s, --storage-driver', key: 'storageDriver', kind: 'string', description: 'Storage driver to use: overlay2, or fuse-overlayfs in rootless mode (default: overlay2 where the kernel mounts it)' },
    { flags: '-l, --log-level', key: 'logLevel', kind: 'string', description: 'Set the logging level ("debug"|"info"|"warn"|"error")' },
  ],
  maxArgs: 0,
  async run(_ctx, _args, f) {
    // loaded only here: the daemon's dependencies must not slow down client commands
    const main = require('../../../daemon/main') as typeof import('../../../daemon/main');
    return main.runDaemon(toDaemonOptions(f));
  },
};

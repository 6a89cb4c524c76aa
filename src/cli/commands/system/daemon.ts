/** `berth daemon`: flags → DaemonOptions → runDaemon() of src/daemon/main.ts (loaded only here). */
import type { CommandModule } from '../../command-module';
import { DEFAULT_DATA_ROOT, DEFAULT_EXEC_ROOT, DEFAULT_HOST, type DaemonOptions } from '../../../daemon/options';
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
  usernsRemap?: string;
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

export function toDaemonOptions(f: DaemonFlags): DaemonOptions {
  if (f.logLevel && !(LEVELS as readonly string[]).includes(f.logLevel)) throw new CliExit(125, `invalid log level: ${f.logLevel}`);
  return {
    dataRoot: f.dataRoot ?? DEFAULT_DATA_ROOT,
    execRoot: f.execRoot ?? DEFAULT_EXEC_ROOT,
    hosts: f.host.length ? f.host : [DEFAULT_HOST],
    ...(f.runtime ? { runtime: f.runtime } : {}),
    ...(f.logLevel ? { logLevel: f.logLevel as DaemonOptions['logLevel'] } : {}),
    ...(f.bip ? { bip: f.bip } : {}),
    ...(f.bridge ? { bridge: f.bridge } : {}),
    ...(f.insecureRegistry.length ? { insecureRegistries: f.insecureRegistry } : {}),
    ...(f.registryMirror.length ? { registryMirrors: f.registryMirror } : {}),
    ...(f.usernsRemap ? { usernsRemap: f.usernsRemap } : {}),
  };
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
    { flags: '--userns-remap', key: 'usernsRemap', kind: 'string', description: 'User/Group setting for user namespaces ("default", "user[:group]", "uid[:gid]")' },
    { flags: '-l, --log-level', key: 'logLevel', kind: 'string', description: 'Set the logging level ("debug"|"info"|"warn"|"error")' },
  ],
  maxArgs: 0,
  async run(_ctx, _args, f) {
    // loaded only here: the daemon's dependencies must not slow down client commands
    const main = require('../../../daemon/main') as typeof import('../../../daemon/main');
    await main.runDaemon(toDaemonOptions(f));
    return 0;
  },
};

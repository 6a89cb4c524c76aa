/** `berth registry`: flags → runRegistry() of src/registry/main.ts (loaded only here). */
import type { CommandModule } from '../../command-module';
import { CliExit } from '../../exit-codes';

interface RegistryFlags {
  addr?: string;
  data?: string;
  htpasswd?: string;
  tlsCert?: string;
  tlsKey?: string;
}

export interface RegistryCliOptions {
  addr: string;
  data: string;
  htpasswd?: string;
  tlsCert?: string;
  tlsKey?: string;
}

export const command: CommandModule<RegistryFlags> = {
  usage: '--addr HOST:PORT --data DIR [OPTIONS]',
  description: 'Run an OCI distribution registry',
  flags: [
    { flags: '--addr', key: 'addr', kind: 'string', description: 'Listen address (HOST:PORT)', default: '127.0.0.1:5000' },
    { flags: '--data', key: 'data', kind: 'string', description: 'Storage directory' },
    { flags: '--htpasswd', key: 'htpasswd', kind: 'string', description: 'htpasswd file for basic auth' },
    { flags: '--tls-cert', key: 'tlsCert', kind: 'string', description: 'TLS certificate file' },
    { flags: '--tls-key', key: 'tlsKey', kind: 'string', description: 'TLS key file' },
  ],
  maxArgs: 0,
  async run(_ctx, _args, f) {
    if (!f.data) throw new CliExit(125, 'berth registry: --data is required');
    if (!!f.tlsCert !== !!f.tlsKey) throw new CliExit(125, 'berth registry: --tls-cert and --tls-key go together');
    // loaded only here, like the daemon
    const main = require('../../../registry/main') as typeof import('../../../registry/main');
    await main.runRegistry({ addr: f.addr ?? '127.0.0.1:5000', data: f.data, ...(f.htpasswd ? { htpasswd: f.htpasswd } : {}), ...(f.tlsCert ? { tlsCert: f.tlsCert, tlsKey: f.tlsKey } : {}) });
    return 0;
  },
};

/** `berth network connect`: POST /networks/{id}/connect with the EndpointConfig docker/cli sends. */
import type { CommandModule } from '../../command-module';
import { CliExit } from '../../exit-codes';

interface ConnectFlags {
  alias: string[];
  ip?: string;
  ip6?: string;
  link: string[];
  linkLocalIp: string[];
  driverOpt: string[];
}

export const command: CommandModule<ConnectFlags> = {
  usage: '[OPTIONS] NETWORK CONTAINER',
  description: 'Connect a container to a network',
  flags: [
    { flags: '--alias', key: 'alias', kind: 'list', description: 'Add network-scoped alias for the container' },
    { flags: '--ip', key: 'ip', kind: 'string', description: 'IPv4 address (e.g., "172.30.100.104")' },
    { flags: '--ip6', key: 'ip6', kind: 'string', description: 'IPv6 address (e.g., "2001:db8::33")' },
    { flags: '--link', key: 'link', kind: 'list', description: 'Add link to another container' },
    { flags: '--link-local-ip', key: 'linkLocalIp', kind: 'list', description: 'Add a link-local address for the container' },
    { flags: '--driver-opt', key: 'driverOpt', kind: 'list', description: 'driver options for the network' },
  ],
  minArgs: 2,
  maxArgs: 2,
  async run(ctx, [network, container], f) {
    if (f.link.length) throw new CliExit(1, 'Error: --link is a legacy feature and is not supported');
    const ipam: { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] } = {};
    if (f.ip) ipam.IPv4Address = f.ip;
    if (f.ip6) ipam.IPv6Address = f.ip6;
    if (f.linkLocalIp.length) ipam.LinkLocalIPs = f.linkLocalIp;
    const driverOpts: Record<string, string> = {};
    for (const o of f.driverOpt) {
      const i = o.indexOf('=');
      driverOpts[i < 0 ? o : o.slice(0, i)] = i < 0 ? '' : o.slice(i + 1);
    }
    const client = await ctx.client();
    await client.networks.connect(network!, { Container: container!, EndpointConfig: { IPAMConfig: ipam, Links: null, Aliases: f.alias, DriverOpts: driverOpts } });
    return 0;
  },
};

/** `berth network create`: flags → NetworkCreateRequest (as docker/cli builds it) → POST /networks/create; prints the id. */
import type { CommandModule } from '../../command-module';
import type { IPAMConfigEntry, NetworkCreateRequest } from '../../../protocol/docker/network';
import { CliExit } from '../../exit-codes';

interface CreateFlags {
  driver: string;
  subnet: string[];
  gateway: string[];
  ipRange: string[];
  internal?: boolean;
  attachable?: boolean;
  label: string[];
  opt: string[];
  ipamDriver?: string;
  ipv6?: boolean;
}

function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

/** Whether `addr` (an IP or a CIDR) lies inside `subnet`; false when either is not IPv4. */
function inSubnet(subnet: string, addr: string): boolean {
  const [base = '', lenText = ''] = subnet.split('/');
  const b = ipv4ToInt(base);
  const a = ipv4ToInt(addr.split('/')[0] ?? '');
  const len = Number(lenText);
  if (b === undefined || a === undefined || !Number.isInteger(len) || len < 0 || len > 32) return false;
  const size = 2 ** (32 - len);
  return Math.floor(a / size) === Math.floor(b / size);
}

/** `k=v` (or `k`) flags → map; docker/cli keeps the last value of a repeated key. */
export function parseKeyValues(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf('=');
    if (i === 0) throw new CliExit(1, `invalid argument "${v}": invalid key/value pair`);
    if (i < 0) out[v] = '';
    else out[v.slice(0, i)] = v.slice(i + 1);
  }
  return out;
}

/** Pairs each --gateway and --ip-range with the --subnet that contains it, as docker/cli does. */
export function buildIpamConfig(subnets: string[], gateways: string[], ranges: string[]): IPAMConfigEntry[] {
  if (!subnets.length && (gateways.length || ranges.length)) throw new CliExit(1, 'every ip-range or gateway must have a corresponding subnet');
  const entries: IPAMConfigEntry[] = subnets.map((s) => ({ Subnet: s }));
  for (const g of gateways) {
    const e = entries.find((x) => inSubnet(x.Subnet!, g));
    if (!e) throw new CliExit(1, `no matching subnet for gateway ${g}`);
    if (e.Gateway) throw new CliExit(1, `cannot configure multiple gateways (${g}, ${e.Gateway}) for the same subnet (${e.Subnet})`);
    e.Gateway = g;
  }
  for (const r of ranges) {
    const e = entries.find((x) => inSubnet(x.Subnet!, r));
    if (!e) throw new CliExit(1, `no matching subnet for range ${r}`);
    if (e.IPRange) throw new CliExit(1, `cannot configure multiple ranges (${r}, ${e.IPRange}) on the same subnet (${e.Subnet})`);
    e.IPRange = r;
  }
  return entries;
}

export const command: CommandModule<CreateFlags> = {
  usage: '[OPTIONS] NETWORK',
  description: 'Create a network',
  flags: [
    { flags: '-d, --driver', key: 'driver', kind: 'string', default: 'bridge', description: 'Driver to manage the Network' },
    { flags: '--subnet', key: 'subnet', kind: 'list', description: 'Subnet in CIDR format that represents a network segment' },
    { flags: '--gateway', key: 'gateway', kind: 'list', description: 'IPv4 or IPv6 Gateway for the master subnet' },
    { flags: '--ip-range', key: 'ipRange', kind: 'list', description: 'Allocate container ip from a sub-range' },
    { flags: '--internal', key: 'internal', kind: 'bool', description: 'Restrict external access to the network' },
    { flags: '--attachable', key: 'attachable', kind: 'bool', description: 'Enable manual container attachment' },
    { flags: '--label', key: 'label', kind: 'list', description: 'Set metadata on a network' },
    { flags: '-o, --opt', key: 'opt', kind: 'list', description: 'Set driver specific options' },
    { flags: '--ipam-driver', key: 'ipamDriver', kind: 'string', description: 'IP Address Management Driver' },
    { flags: '--ipv6', key: 'ipv6', kind: 'bool', description: 'Enable or disable IPv6 networking' },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, [name], f) {
    const body: NetworkCreateRequest = {
      Name: name!,
      CheckDuplicate: true,
      Driver: f.driver,
      Scope: '',
      IPAM: { Driver: f.ipamDriver || 'default', Options: {}, Config: buildIpamConfig(f.subnet, f.gateway, f.ipRange) },
      Internal: !!f.internal,
      Attachable: !!f.attachable,
      Ingress: false,
      ConfigOnly: false,
      ConfigFrom: null,
      Options: parseKeyValues(f.opt),
      Labels: parseKeyValues(f.label),
    };
    if (f.ipv6) body.EnableIPv6 = true;
    const client = await ctx.client();
    const r = await client.networks.create(body);
    if (r.Warning) ctx.err.write(`WARNING: ${r.Warning}\n`);
    ctx.out.write(`${r.Id}\n`);
    return 0;
  },
};

/** `berth network ls`: GET /networks (filters), sorted by name, docker's columns NETWORK ID, NAME, DRIVER, SCOPE. */
import type { CommandModule } from '../../command-module';
import type { Network } from '../../../protocol/docker/network';
import { parseFilterFlags } from '../../requests/filters';
import { renderList } from '../../output/list-format';

interface LsFlags {
  filter: string[];
  format?: string;
  /** commander's negatable `--no-trunc`: true unless the flag is given */
  trunc?: boolean;
  quiet?: boolean;
}

const DEFAULT_TABLE = 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}';
const HEADERS: Record<string, string> = {
  ID: 'NETWORK ID', Name: 'NAME', Driver: 'DRIVER', Scope: 'SCOPE', IPv6: 'IPV6', Internal: 'INTERNAL', Labels: 'LABELS', Label: 'LABEL', CreatedAt: 'CREATED AT',
};

export interface NetworkRow {
  ID: string;
  Name: string;
  Driver: string;
  Scope: string;
  IPv6: string;
  Internal: string;
  Labels: string;
  CreatedAt: string;
  Label(name: string): string;
}

/** Go's time.Time.String() for an RFC 3339 time, as `--format '{{.CreatedAt}}'` prints it. */
function goTimeString(rfc3339: string): string {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(\.\d+)?Z$/.exec(rfc3339);
  if (!m) return rfc3339;
  const frac = (m[3] ?? '').replace(/0+$/, '');
  return `${m[1]} ${m[2]}${frac === '.' ? '' : frac} +0000 UTC`;
}

export function toNetworkRow(n: Network, noTrunc: boolean): NetworkRow {
  const labels = n.Labels ?? {};
  return {
    ID: noTrunc ? n.Id : n.Id.slice(0, 12),
    Name: n.Name,
    Driver: n.Driver,
    Scope: n.Scope,
    IPv6: String(n.EnableIPv6),
    Internal: String(n.Internal),
    Labels: Object.keys(labels).map((k) => `${k}=${labels[k]}`).join(','),
    CreatedAt: goTimeString(n.Created),
    Label: (name: string) => labels[name] ?? '',
  };
}

export const command: CommandModule<LsFlags> = {
  usage: '[OPTIONS]',
  description: 'List networks',
  flags: [
    { flags: '-f, --filter', key: 'filter', kind: 'list', description: 'Provide filter values (e.g. "driver=bridge")' },
    { flags: '--format', key: 'format', kind: 'string', description: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', 'TEMPLATE'" },
    { flags: '--no-trunc', key: 'trunc', kind: 'bool', description: 'Do not truncate the output' },
    { flags: '-q, --quiet', key: 'quiet', kind: 'bool', description: 'Only display network IDs' },
  ],
  maxArgs: 0,
  async run(ctx, _args, f) {
    const client = await ctx.client();
    const list = await client.networks.list(parseFilterFlags(f.filter));
    list.sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
    const rows = list.map((n) => toNetworkRow(n, f.trunc === false));
    if (f.quiet) {
      for (const r of rows) ctx.out.write(`${r.ID}\n`);
      return 0;
    }
    ctx.out.write(renderList(rows, f.format, { defaultTable: DEFAULT_TABLE, headers: HEADERS }));
    return 0;
  },
};

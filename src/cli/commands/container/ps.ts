/** `berth ps`: GET /containers/json (all, limit, size, filters) rendered like docker's table. */
import type { CommandModule } from '../../command-module';
import { parseFilterFlags } from '../../requests/filters';
import { renderList } from '../../output/list-format';
import { PS_DEFAULT_TABLE, PS_HEADERS, toContainerRow } from '../../output/container-view';

interface PsFlags {
  all?: boolean;
  filter: string[];
  format?: string;
  last?: number;
  latest?: boolean;
  noTrunc?: boolean;
  quiet?: boolean;
  size?: boolean;
}

export const command: CommandModule<PsFlags> = {
  usage: '[OPTIONS]',
  description: 'List containers',
  flags: [
    { flags: '-a, --all', key: 'all', kind: 'bool', description: 'Show all containers (default shows just running)' },
    { flags: '-f, --filter', key: 'filter', kind: 'list', description: 'Filter output based on conditions provided' },
    { flags: '--format', key: 'format', kind: 'string', description: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', 'TEMPLATE'" },
    { flags: '-n, --last', key: 'last', kind: 'int', description: 'Show n last created containers (includes all states)', default: -1 },
    { flags: '-l, --latest', key: 'latest', kind: 'bool', description: 'Show the latest created container (includes all states)' },
    { flags: '--no-trunc', key: 'noTrunc', kind: 'bool', description: "Don't truncate output" },
    { flags: '-q, --quiet', key: 'quiet', kind: 'bool', description: 'Only display container IDs' },
    { flags: '-s, --size', key: 'size', kind: 'bool', description: 'Display total file sizes' },
  ],
  maxArgs: 0,
  async run(ctx, _args, f) {
    const client = await ctx.client();
    const limit = f.latest ? 1 : f.last ?? -1;
    const list = await client.containers.list({ all: f.all || limit > 0, limit, size: f.size, filters: parseFilterFlags(f.filter) });
    const rows = list.map((c) => toContainerRow(c, { noTrunc: !!f.noTrunc }));
    let format = f.format;
    if (f.quiet) format = '{{.ID}}';
    else if (!format && f.size) format = `${PS_DEFAULT_TABLE}\t{{.Size}}`;
    ctx.out.write(renderList(rows, format, { defaultTable: PS_DEFAULT_TABLE, headers: PS_HEADERS }));
    return 0;
  },
};

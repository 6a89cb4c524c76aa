/** `berth network prune`: POST /networks/prune with filters, after a confirmation unless -f. */
import type { CommandModule } from '../../command-module';
import { parseFilterFlags } from '../../requests/filters';
import { confirm } from '../../confirm';

export const command: CommandModule<{ force?: boolean; filter: string[] }> = {
  usage: '[OPTIONS]',
  description: 'Remove all unused networks',
  flags: [
    { flags: '--filter', key: 'filter', kind: 'list', description: 'Provide filter values (e.g. "until=<timestamp>")' },
    { flags: '-f, --force', key: 'force', kind: 'bool', description: 'Do not prompt for confirmation' },
  ],
  maxArgs: 0,
  async run(ctx, _args, f) {
    const q = 'WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue?';
    if (!f.force && !(await confirm(ctx, q))) return 0;
    const client = await ctx.client();
    const r = await client.networks.prune(parseFilterFlags(f.filter));
    if (r.NetworksDeleted?.length) ctx.out.write(`Deleted Networks:\n${r.NetworksDeleted.join('\n')}\n\n`);
    return 0;
  },
};

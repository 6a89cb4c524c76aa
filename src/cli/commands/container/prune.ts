/** `berth container prune`: POST /containers/prune with filters, after a confirmation unless -f. */
import type { CommandModule } from '../../command-module';
import { parseFilterFlags } from '../../requests/filters';
import { confirm } from '../../confirm';
import { humanSize } from '../../output/humanize';

export const command: CommandModule<{ force?: boolean; filter: string[] }> = {
  usage: '[OPTIONS]',
  description: 'Remove all stopped containers',
  flags: [
    { flags: '--filter', key: 'filter', kind: 'list', description: 'Provide filter values (e.g. "until=<timestamp>")' },
    { flags: '-f, --force', key: 'force', kind: 'bool', description: 'Do not prompt for confirmation' },
  ],
  maxArgs: 0,
  async run(ctx, _args, f) {
    if (!f.force && !(await confirm(ctx, 'WARNING! This will remove all stopped containers.\nAre you sure you want to continue?'))) return 0;
    const client = await ctx.client();
    const r = await client.containers.prune(parseFilterFlags(f.filter));
    if (r.ContainersDeleted?.length) ctx.out.write(`Deleted Containers:\n${r.ContainersDeleted.join('\n')}\n\n`);
    ctx.out.write(`Total reclaimed space: ${humanSize(r.SpaceReclaimed)}\n`);
    return 0;
  },
};

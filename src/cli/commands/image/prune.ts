/** `berth image prune`: POST /images/prune with dangling=true (false with -a) plus --filter. */
import type { CommandModule } from '../../command-module';
import { parseFilterFlags } from '../../requests/filters';
import { confirm } from '../../confirm';
import { humanSize } from '../../output/humanize';

export const command: CommandModule<{ all?: boolean; force?: boolean; filter: string[] }> = {
  usage: '[OPTIONS]',
  description: 'Remove unused images',
  flags: [
    { flags: '-a, --all', key: 'all', kind: 'bool', description: 'Remove all unused images, not just dangling ones' },
    { flags: '--filter', key: 'filter', kind: 'list', description: 'Provide filter values (e.g. "until=<timestamp>")' },
    { flags: '-f, --force', key: 'force', kind: 'bool', description: 'Do not prompt for confirmation' },
  ],
  maxArgs: 0,
  async run(ctx, _args, f) {
    const warning = f.all ? 'WARNING! This will remove all images without at least one container associated to them.' : 'WARNING! This will remove all dangling images.';
    if (!f.force && !(await confirm(ctx, `${warning}\nAre you sure you want to continue?`))) return 0;
    const filters = { dangling: { [f.all ? 'false' : 'true']: true }, ...parseFilterFlags(f.filter) };
    const client = await ctx.client();
    const r = await client.images.prune(filters);
    if (r.ImagesDeleted?.length) {
      ctx.out.write('Deleted Images:\n');
      for (const it of r.ImagesDeleted) ctx.out.write(it.Untagged ? `untagged: ${it.Untagged}\n` : `deleted: ${it.Deleted}\n`);
      ctx.out.write('\n');
    }
    ctx.out.write(`Total reclaimed space: ${humanSize(r.SpaceReclaimed)}\n`);
    return 0;
  },
};

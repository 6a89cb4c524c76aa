/** `berth volume prune`: POST /volumes/prune with filters, after a confirmation unless -f. */
import type { CommandModule } from '../../command-module';
import { parseFilterFlags } from '../../requests/filters';
import { confirm } from '../../confirm';
import { humanSize } from '../../output/humanize';
import { compareApiVersions } from '../../../client/docker-client';

export const command: CommandModule<{ force?: boolean; all?: boolean; filter: string[] }> = {
  usage: '[OPTIONS]',
  description: 'Remove unused local volumes',
  flags: [
    { flags: '-a, --all', key: 'all', kind: 'bool', description: 'Remove all unused volumes, not just anonymous ones' },
    { flags: '--filter', key: 'filter', kind: 'list', description: "Provide filter values (e.g. 'label=<label>')" },
    { flags: '-f, --force', key: 'force', kind: 'bool', description: 'Do not prompt for confirmation' },
  ],
  maxArgs: 0,
  async run(ctx, _args, f) {
    // API 1.42+ prunes only anonymous volumes unless the `all` filter says otherwise
    const q = `WARNING! This will remove ${f.all ? 'all' : 'anonymous'} local volumes not used by at least one container.\nAre you sure you want to continue?`;
    if (!f.force && !(await confirm(ctx, q))) return 0;
    const client = await ctx.client();
    const filters = parseFilterFlags(f.filter);
    // as the docker CLI: `all` only to daemons that know it (1.42+), which needs the version settled first
    if (f.all) await client.negotiate();
    const all = f.all && compareApiVersions(client.apiVersion, '1.42') >= 0;
    const r = await client.volumes.prune(all ? { ...filters, all: { true: true } } : filters);
    if (r.VolumesDeleted?.length) ctx.out.write(`Deleted Volumes:\n${r.VolumesDeleted.join('\n')}\n\n`);
    ctx.out.write(`Total reclaimed space: ${humanSize(r.SpaceReclaimed)}\n`);
    return 0;
  },
};

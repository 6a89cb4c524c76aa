/** `berth top CONTAINER [ps OPTIONS]`: GET /containers/{id}/top, printed as an aligned table. */
import type { CommandModule } from '../../command-module';
import { alignColumns } from '../../output/tab-writer';

export const command: CommandModule<Record<string, never>> = {
  usage: 'CONTAINER [ps OPTIONS]',
  description: 'Display the running processes of a container',
  flags: [],
  minArgs: 1,
  passThrough: true,
  async run(ctx, [name, ...psArgs]) {
    const client = await ctx.client();
    const top = await client.containers.top(name!, psArgs.join(' '));
    const lines = [top.Titles.join('\t'), ...top.Processes.map((p) => p.join('\t'))];
    ctx.out.write(alignColumns(lines.join('\n') + '\n', 20, 3));
    return 0;
  },
};

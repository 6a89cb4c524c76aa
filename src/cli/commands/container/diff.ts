/** `berth diff CONTAINER`: GET /containers/{id}/changes, one "C|A|D path" line each, as docker prints them. */
import type { CommandModule } from '../../command-module';

const KIND = ['C', 'A', 'D'];

export const command: CommandModule<Record<string, never>> = {
  usage: 'CONTAINER',
  description: "Inspect changes to files or directories on a container's filesystem",
  flags: [],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, [container]) {
    const client = await ctx.client();
    for (const c of await client.containers.changes(container!)) ctx.out.write(`${KIND[c.Kind] ?? '?'} ${c.Path}\n`);
    return 0;
  },
};

/** `berth rename OLD NEW`: POST /containers/{old}/rename?name=NEW. */
import type { CommandModule } from '../../command-module';

export const command: CommandModule<Record<string, never>> = {
  usage: 'CONTAINER NEW_NAME',
  description: 'Rename a container',
  flags: [],
  minArgs: 2,
  maxArgs: 2,
  async run(ctx, [from, to]) {
    const client = await ctx.client();
    await client.containers.rename(from!, to!);
    return 0;
  },
};

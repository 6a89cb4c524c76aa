/** `berth network disconnect`: POST /networks/{id}/disconnect {Container, Force}. */
import type { CommandModule } from '../../command-module';

export const command: CommandModule<{ force?: boolean }> = {
  usage: '[OPTIONS] NETWORK CONTAINER',
  description: 'Disconnect a container from a network',
  flags: [{ flags: '-f, --force', key: 'force', kind: 'bool', description: 'Force the container to disconnect from a network' }],
  minArgs: 2,
  maxArgs: 2,
  async run(ctx, [network, container], f) {
    const client = await ctx.client();
    await client.networks.disconnect(network!, { Container: container!, Force: !!f.force });
    return 0;
  },
};

/** `berth create`: flags → POST /containers/create; prints the new ID. */
import type { CommandModule } from '../../command-module';
import { CONTAINER_FLAGS, type ContainerFlags } from '../../requests/container-flags';
import { EXIT_DAEMON } from '../../exit-codes';
import { createContainer } from './create-flow';

export const command: CommandModule<ContainerFlags> = {
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  description: 'Create a new container',
  flags: CONTAINER_FLAGS,
  minArgs: 1,
  passThrough: true,
  errorExitCode: EXIT_DAEMON,
  async run(ctx, [image, ...cmd], flags) {
    const id = await createContainer(ctx, image!, cmd, flags, false);
    ctx.out.write(`${id}\n`);
    return 0;
  },
};

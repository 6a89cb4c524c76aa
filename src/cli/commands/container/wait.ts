/** `berth wait`: POST /containers/{id}/wait (no condition) for each, prints the status codes. */
import type { CommandModule } from '../../command-module';
import { forEachTarget } from '../../for-each-target';

export const command: CommandModule<Record<string, never>> = {
  usage: 'CONTAINER [CONTAINER...]',
  description: 'Block until one or more containers stop, then print their exit codes',
  flags: [],
  minArgs: 1,
  run: (ctx, names) =>
    forEachTarget(ctx, names, async (c, n) => {
      const w = await c.containers.wait(n);
      return `${(await w.result).StatusCode}\n`;
    }),
};

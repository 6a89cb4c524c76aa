/** `berth wait`: POST /containers/{id}/wait (no condition) for each, prints the status codes. */
import type { CommandModule } from '../../command-module';

export const command: CommandModule<Record<string, never>> = {
  usage: 'CONTAINER [CONTAINER...]',
  description: 'Block until one or more containers stop, then print their exit codes',
  flags: [],
  minArgs: 1,
  async run(ctx, names) {
    const client = await ctx.client();
    let failed = false;
    for (const n of names) {
      try {
        const w = await client.containers.wait(n);
        const r = await w.result;
        ctx.out.write(`${r.StatusCode}\n`);
      } catch (e) {
        failed = true;
        ctx.err.write(`Error response from daemon: ${(e as Error).message}\n`);
      }
    }
    return failed ? 1 : 0;
  },
};

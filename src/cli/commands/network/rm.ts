/** `berth network rm`: DELETE /networks/{id} per network; prints each removed name, reports each failure. */
import type { CommandModule } from '../../command-module';

export const command: CommandModule<{ force?: boolean }> = {
  usage: '[OPTIONS] NETWORK [NETWORK...]',
  description: 'Remove one or more networks',
  flags: [{ flags: '-f, --force', key: 'force', kind: 'bool', description: 'Do not error if the network does not exist' }],
  minArgs: 1,
  async run(ctx, names, f) {
    const client = await ctx.client();
    let failed = false;
    for (const n of names) {
      try {
        await client.networks.remove(n);
        ctx.out.write(`${n}\n`);
      } catch (e) {
        const err = e as Error & { status?: number };
        if (f.force && err.status === 404) continue;
        failed = true;
        ctx.err.write(`Error response from daemon: ${err.message}\n`);
      }
    }
    return failed ? 1 : 0;
  },
};

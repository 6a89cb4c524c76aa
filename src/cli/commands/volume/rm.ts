/** `berth volume rm`: DELETE /volumes/{name} per volume; prints each removed name, reports each failure. */
import type { CommandModule } from '../../command-module';

export const command: CommandModule<{ force?: boolean }> = {
  usage: '[OPTIONS] VOLUME [VOLUME...]',
  description: 'Remove one or more volumes',
  flags: [{ flags: '-f, --force', key: 'force', kind: 'bool', description: 'Force the removal of one or more volumes' }],
  minArgs: 1,
  async run(ctx, names, f) {
    const client = await ctx.client();
    let failed = false;
    for (const n of names) {
      try {
        await client.volumes.remove(n, !!f.force);
        ctx.out.write(`${n}\n`);
      } catch (e) {
        failed = true;
        ctx.err.write(`Error response from daemon: ${(e as Error).message}\n`);
      }
    }
    return failed ? 1 : 0;
  },
};

/** `berth rmi`: DELETE /images/{name} per image; prints Untagged/Deleted lines. */
import type { CommandModule } from '../../command-module';

export const command: CommandModule<{ force?: boolean; prune?: boolean }> = {
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  description: 'Remove one or more images',
  flags: [
    { flags: '-f, --force', key: 'force', kind: 'bool', description: 'Force removal of the image' },
    { flags: '--no-prune', key: 'prune', kind: 'bool', description: 'Do not delete untagged parents' },
  ],
  minArgs: 1,
  async run(ctx, names, f) {
    const client = await ctx.client();
    let failed = false;
    for (const n of names) {
      try {
        const items = await client.images.remove(n, { force: f.force, noprune: f.prune === false });
        for (const it of items) ctx.out.write(it.Untagged ? `Untagged: ${it.Untagged}\n` : `Deleted: ${it.Deleted}\n`);
      } catch (e) {
        failed = true;
        ctx.err.write(`Error response from daemon: ${(e as Error).message}\n`);
      }
    }
    return failed ? 1 : 0;
  },
};

/** `berth rmi`: DELETE /images/{name} per image; prints Untagged/Deleted lines. */
import type { CommandModule } from '../../command-module';
import { forEachTarget } from '../../for-each-target';

export const command: CommandModule<{ force?: boolean; prune?: boolean }> = {
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  description: 'Remove one or more images',
  flags: [
    { flags: '-f, --force', key: 'force', kind: 'bool', description: 'Force removal of the image' },
    { flags: '--no-prune', key: 'prune', kind: 'bool', description: 'Do not delete untagged parents' },
  ],
  minArgs: 1,
  run: (ctx, names, f) =>
    forEachTarget(ctx, names, async (c, n) => {
      const items = await c.images.remove(n, { force: f.force, noprune: f.prune === false });
      return items.map((it) => (it.Untagged ? `Untagged: ${it.Untagged}\n` : `Deleted: ${it.Deleted}\n`)).join('');
    }),
};

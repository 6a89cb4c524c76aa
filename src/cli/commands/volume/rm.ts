/** `berth volume rm`: DELETE /volumes/{name} per volume; prints each removed name, reports each failure. */
import type { CommandModule } from '../../command-module';
import { forEachTarget } from '../../for-each-target';

export const command: CommandModule<{ force?: boolean }> = {
  usage: '[OPTIONS] VOLUME [VOLUME...]',
  description: 'Remove one or more volumes',
  flags: [{ flags: '-f, --force', key: 'force', kind: 'bool', description: 'Force the removal of one or more volumes' }],
  minArgs: 1,
  run: (ctx, names, f) => forEachTarget(ctx, names, (c, n) => c.volumes.remove(n, !!f.force)),
};

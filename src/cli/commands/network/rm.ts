/** `berth network rm`: DELETE /networks/{id} per network; prints each removed name, reports each failure. */
import type { CommandModule } from '../../command-module';
import { forEachTarget } from '../../for-each-target';

export const command: CommandModule<{ force?: boolean }> = {
  usage: '[OPTIONS] NETWORK [NETWORK...]',
  description: 'Remove one or more networks',
  flags: [{ flags: '-f, --force', key: 'force', kind: 'bool', description: 'Do not error if the network does not exist' }],
  minArgs: 1,
  run: (ctx, names, f) => forEachTarget(ctx, names, (c, n) => c.networks.remove(n), { ignore: (e) => !!f.force && e.status === 404 }),
};

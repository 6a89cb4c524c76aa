/** `berth logout [SERVER]`: forgets the stored credentials (nothing is sent to the daemon, as with docker). */
import type { CommandModule } from '../../command-module';
import { HUB_AUTH_KEY, eraseCredentials } from '../../auth/credential-file';

export const command: CommandModule<Record<string, never>> = {
  usage: '[SERVER]',
  description: 'Log out from a registry',
  flags: [],
  maxArgs: 1,
  async run(ctx, [server]) {
    const target = server ?? HUB_AUTH_KEY;
    if (await eraseCredentials(ctx.env, target)) ctx.out.write(`Removing login credentials for ${target}\n`);
    else ctx.out.write(`Not logged in to ${target}\n`);
    return 0;
  },
};

/** `berth volume inspect`: the daemon's raw JSON as a 4-space-indented array, or `--format` per volume. */
import type { CommandModule } from '../../command-module';
import { FORMAT_FLAG, inspect } from '../inspect';

export const command: CommandModule<{ format?: string }> = {
  usage: '[OPTIONS] VOLUME [VOLUME...]',
  description: 'Display detailed information on one or more volumes',
  flags: [FORMAT_FLAG],
  minArgs: 1,
  run: (ctx, names, f) => inspect(ctx, names, f, ['volume']),
};

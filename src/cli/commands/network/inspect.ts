/** `berth network inspect`: the daemon's raw JSON as a 4-space-indented array, or `--format` per network. */
import type { CommandModule } from '../../command-module';
import { FORMAT_FLAG, inspect } from '../inspect';

export const command: CommandModule<{ format?: string; verbose?: boolean }> = {
  usage: '[OPTIONS] NETWORK [NETWORK...]',
  description: 'Display detailed information on one or more networks',
  flags: [FORMAT_FLAG, { flags: '-v, --verbose', key: 'verbose', kind: 'bool', description: 'Verbose output for diagnostics' }],
  minArgs: 1,
  run: (ctx, names, f) => inspect(ctx, names, f, ['network']),
};

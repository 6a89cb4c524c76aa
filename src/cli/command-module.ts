/** The contract of one CLI command module: its flags, its usage line and its action. */
import type { CliContext } from './cli-context';
import type { FlagTable } from './flag-table';

export interface CommandModule<O = Record<string, unknown>> {
  /** the part after the command name, e.g. "[OPTIONS] IMAGE [COMMAND] [ARG...]" */
  usage: string;
  description: string;
  flags: FlagTable<O>;
  minArgs?: number;
  maxArgs?: number;
  /** stop parsing flags at the first positional (run, exec: the rest is the command) */
  passThrough?: boolean;
  /** exit code for daemon errors and bad flags (125 for run/create, 1 elsewhere) */
  errorExitCode?: number;
  run(ctx: CliContext, args: string[], opts: O): Promise<number>;
}

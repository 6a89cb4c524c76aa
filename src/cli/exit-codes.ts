/**
 * CLI exit codes, mapped once: daemon/CLI errors of run/create → 125, "cannot
 * invoke" → 126, "command not found" → 127, container exit codes pass through.
 */
export const EXIT_GENERAL = 1;
export const EXIT_DAEMON = 125;
export const EXIT_CANNOT_INVOKE = 126;
export const EXIT_NOT_FOUND = 127;

/** Exit code of `run`/`start -a` when the container failed to start with `message`. */
export function exitCodeForStartError(message: string): number {
  if (/executable file not found|no such file or directory|not found in \$PATH/i.test(message)) return EXIT_NOT_FOUND;
  if (/permission denied|cannot execute/i.test(message)) return EXIT_CANNOT_INVOKE;
  return EXIT_DAEMON;
}

/** A failure the CLI reports and exits with; `message` is printed to stderr as is. */
export class CliExit extends Error {
  constructor(readonly code: number, message = '') {
    super(message);
    this.name = 'CliExit';
  }
}

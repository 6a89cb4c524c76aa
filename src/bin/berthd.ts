#!/usr/bin/env -S node --initial-old-space-size=64
/**
 * berthd: the daemon alone, exactly `berth daemon ARGS` (one flag table, in cli/commands/system/daemon.ts).
 * No logic here. The shebang flag: DAEMON_NODE_FLAGS.
 */
import { runCli } from '../cli/main';

runCli(['daemon', ...process.argv.slice(2)], process, process.env).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`berthd: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);

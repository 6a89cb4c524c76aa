/** `berth`: argv → cli/. No logic here. */
import { runCli } from '../cli/main';

const streams = {
  // lazy: creating process.stdin opens a handle most commands never need
  get stdin() {
    return process.stdin;
  },
  stdout: process.stdout,
  stderr: process.stderr,
};

runCli(process.argv.slice(2), streams, process.env).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(1);
  },
);

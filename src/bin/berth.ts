/** `berth`: argv → cli/. No logic here. */
import { runCli } from '../cli/main';

const streams = {
  // lazy: each std stream costs ~1 ms to create, and `run` of a silent container needs none
  get stdin() {
    return process.stdin;
  },
  get stdout() {
    return process.stdout;
  },
  get stderr() {
    return process.stderr;
  },
};

runCli(process.argv.slice(2), streams, process.env).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(1);
  },
);

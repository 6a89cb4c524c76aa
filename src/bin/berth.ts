/** `berth`: argv → cli/. No logic here. */
import { runCli } from '../cli/main';

const streams = {
  // lazy: the first std stream costs 1-2 ms to set up, and `run` of a silent container needs none
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

/** The environment the user gave: bin/berth's shell line moved NODE_EXTRA_CA_CERTS aside (see there). */
function userEnv(): NodeJS.ProcessEnv {
  const stashed = process.env.BERTH_NODE_EXTRA_CA_CERTS;
  if (stashed === undefined) return process.env;
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_EXTRA_CA_CERTS: stashed };
  delete env.BERTH_NODE_EXTRA_CA_CERTS;
  return env;
}

runCli(process.argv.slice(2), streams, userEnv()).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(1);
  },
);

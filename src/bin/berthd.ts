#!/usr/bin/env -S node --initial-old-space-size=64
/** berthd: the daemon alone (same as `berth daemon`), argv → daemon/. No logic. The shebang flag: DAEMON_NODE_FLAGS. */
import { runDaemon } from '../daemon/main';

function parse(argv: string[]): Parameters<typeof runDaemon>[0] {
  const o: { dataRoot?: string; execRoot?: string; hosts: string[]; runtime?: string; bip?: string; bridge?: string; logLevel?: 'debug' | 'info' | 'warn' | 'error'; insecureRegistries: string[]; registryMirrors: string[]; usernsRemap?: string } = {
    hosts: [],
    insecureRegistries: [],
    registryMirrors: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [k, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const val = () => inline ?? argv[++i] ?? '';
    if (k === '--data-root') o.dataRoot = val();
    else if (k === '--exec-root') o.execRoot = val();
    else if (k === '-H' || k === '--host') o.hosts.push(val());
    else if (k === '--runtime') o.runtime = val();
    else if (k === '--bip') o.bip = val();
    else if (k === '-b' || k === '--bridge') o.bridge = val();
    else if (k === '--log-level' || k === '-l') o.logLevel = val() as typeof o.logLevel;
    else if (k === '--insecure-registry') o.insecureRegistries.push(val());
    else if (k === '--registry-mirror') o.registryMirrors.push(val());
    else if (k === '--userns-remap') o.usernsRemap = val();
    else {
      process.stderr.write(`berthd: unknown flag: ${a}\n`);
      process.exit(125);
    }
  }
  return o;
}

runDaemon(parse(process.argv.slice(2))).then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`berthd: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);

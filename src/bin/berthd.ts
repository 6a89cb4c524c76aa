#!/usr/bin/env -S node --initial-old-space-size=64
/** berthd: the daemon alone (same as `berth daemon`), argv → daemon/. No logic. The shebang flag: DAEMON_NODE_FLAGS. */
import { runDaemon } from '../daemon/main';
import type { DaemonOptions } from '../daemon/options';
import { parseLogOpts } from '../cli/commands/system/daemon';

function parse(argv: string[]): Parameters<typeof runDaemon>[0] {
  // typed from DaemonOptions so a new option needs no edit here beyond its flag
  const o: Partial<DaemonOptions> & { hosts: string[]; insecureRegistries: string[]; registryMirrors: string[] } = {
    hosts: [],
    insecureRegistries: [],
    registryMirrors: [],
  };
  const logOpts: string[] = [];
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
    else if (k === '-G' || k === '--group') o.socketGroup = val();
    else if (k === '--signature-policy') o.signaturePolicy = val();
    else if (k === '--ui-addr') o.uiAddr = val();
    else if (k === '--metrics-addr') o.metricsAddr = val();
    else if (k === '--log-driver') o.logDriver = val();
    else if (k === '--log-opt') logOpts.push(val());
    else if (k === '--config-file') o.configFile = val();
    else if (k === '--userns-remap') o.usernsRemap = val();
    else {
      process.stderr.write(`berthd: unknown flag: ${a}\n`);
      process.exit(125);
    }
  }
  if (logOpts.length) {
    try {
      o.logOpts = parseLogOpts(logOpts); // `berth daemon`'s parser and wording
    } catch (e) {
      process.stderr.write(`berthd: ${(e as Error).message}\n`);
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

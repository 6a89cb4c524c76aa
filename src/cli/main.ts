/**
 * The `berth` entry: global options (-H, -D, -l…), command lookup in the table,
 * commander parsing of the one invoked command, and Docker's error and exit-code
 * conventions. No command logic here.
 */
import type { CommandError } from './main-types';
import { CliContext, type CliStreams, type GlobalOptions } from './cli-context';
import { COMMANDS, GROUPS, findCommand } from './command-table';
import { CliExit, EXIT_DAEMON, EXIT_GENERAL } from './exit-codes';
import type { CommandModule } from './command-module';
import { BERTH_VERSION } from '../base/version';

const GLOBAL_WITH_VALUE = new Set(['-H', '--host', '-l', '--log-level', '--config', '-c', '--context', '--tlscacert', '--tlscert', '--tlskey']);
const GLOBAL_BOOL = new Set(['-D', '--debug', '--tls', '--tlsverify']);

/** Splits argv into global options and the words that follow them. */
export function scanGlobalOptions(argv: string[]): { globals: GlobalOptions & { version?: boolean; help?: boolean }; rest: string[] } {
  const globals: GlobalOptions & { version?: boolean; help?: boolean } = {};
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    if (GLOBAL_WITH_VALUE.has(name)) {
      const value = name !== a ? a.slice(eq + 1) : argv[++i];
      if (name === '-H' || name === '--host') globals.host = value;
      else if (name === '-l' || name === '--log-level') globals.logLevel = value;
    } else if (/^-H./.test(a)) {
      globals.host = a.slice(2);
    } else if (GLOBAL_BOOL.has(a)) {
      if (a === '-D' || a === '--debug') globals.debug = true;
    } else if (a === '-v' || a === '--version') {
      globals.version = true;
    } else if (a === '-h' || a === '--help') {
      globals.help = true;
    } else {
      break;
    }
  }
  return { globals, rest: argv.slice(i) };
}

function topLevelHelp(): string {
  const lines = ['', 'Usage:  berth [OPTIONS] COMMAND', '', 'A Docker-compatible container engine', '', 'Commands:'];
  for (const e of COMMANDS) {
    const name = e.aliases.find((a) => a.length === 1)?.[0] ?? (e.path.length === 1 ? e.path[0] : undefined);
    if (name) lines.push(`  ${name.padEnd(11)} ${e.summary}`);
  }
  lines.push('', 'Management Commands:');
  for (const [g, s] of Object.entries(GROUPS)) lines.push(`  ${g.padEnd(11)} ${s}`);
  lines.push('', 'Global Options:', '  -D, --debug              Enable debug mode', '  -H, --host string        Daemon socket to connect to', '  -l, --log-level string   Set the logging level ("debug", "info", "warn", "error", "fatal")', '  -v, --version            Print version information and quit', '', "Run 'berth COMMAND --help' for more information on a command.", '');
  return lines.join('\n');
}

function groupHelp(group: string): string {
  const lines = ['', `Usage:  berth ${group} COMMAND`, '', GROUPS[group] ?? '', '', 'Commands:'];
  for (const e of COMMANDS) if (e.path[0] === group) lines.push(`  ${e.path.slice(1).join(' ').padEnd(11)} ${e.summary}`);
  lines.push('', `Run 'berth ${group} COMMAND --help' for more information on a command.`, '');
  return lines.join('\n');
}

function usageHint(name: string, usage: string, verb: 'Run' | 'See'): string {
  return `\nUsage:  ${name} ${usage}\n\n${verb} '${name} --help' for more information\n`;
}

/** Commander's error → Docker's wording for the same situation. */
function translateCommanderError(e: CommandError): string {
  const m = /unknown option '([^']+)'/.exec(e.message);
  if (m) {
    const flag = m[1]!;
    return flag.startsWith('--') ? `unknown flag: ${flag}` : `unknown shorthand flag: '${flag.slice(1, 2)}' in ${flag}`;
  }
  const missing = /option '([^']+)' argument missing/.exec(e.message);
  if (missing) {
    const long = /--[\w-]+/.exec(missing[1]!)?.[0] ?? missing[1]!;
    return `flag needs an argument: ${long}`;
  }
  return e.message.replace(/^error: /, '');
}

/** Flags of `compose` itself that take a value, which docker compose takes before the verb. */
const COMPOSE_VALUE_FLAGS = new Set(['-f', '--file', '-p', '--project-name', '--project-directory', '--profile', '--env-file']);

/** `compose -p x -f f up -d` → `compose up -p x -f f -d`: each verb's flag table carries the project flags. */
export function hoistComposeFlags(words: string[]): string[] {
  if (words[0] !== 'compose') return words;
  const moved: string[] = [];
  let i = 1;
  while (i < words.length && words[i]!.startsWith('-')) {
    // long forms: after the verb `-f` would be `logs -f` (follow)
    const w = words[i] === '-f' ? '--file' : words[i] === '-p' ? '--project-name' : words[i]!;
    moved.push(w);
    if (COMPOSE_VALUE_FLAGS.has(w) && i + 1 < words.length) moved.push(words[++i]!);
    i++;
  }
  if (!moved.length || i >= words.length) return words;
  return ['compose', words[i]!, ...moved, ...words.slice(i + 1)];
}

export async function runCli(argv: string[], streams: CliStreams, env: NodeJS.ProcessEnv): Promise<number> {
  const { globals, rest } = scanGlobalOptions(argv);
  if (globals.version && !rest.length) {
    streams.stdout.write(`Berth version ${BERTH_VERSION}\n`);
    return 0;
  }
  if (!rest.length) {
    streams.stdout.write(topLevelHelp());
    return 0;
  }
  const found = findCommand(hoistComposeFlags(rest));
  if (!found) {
    if (GROUPS[rest[0]!] && (rest.length === 1 || rest[1] === '--help')) {
      streams.stdout.write(groupHelp(rest[0]!));
      return 0;
    }
    const what = GROUPS[rest[0]!] ? `${rest[0]} ${rest[1]}` : rest[0];
    streams.stderr.write(`berth: unknown command: berth ${what}\n\nRun 'berth ${GROUPS[rest[0]!] ? rest[0] + ' ' : ''}--help' for more information\n`);
    return EXIT_GENERAL;
  }
  const name = `berth ${found.used.join(' ')}`;
  const mod = found.entry.load() as unknown as CommandModule<Record<string, unknown>>;
  const ctx = new CliContext(streams, env, globals, name);
  try {
    return await parseAndRun(ctx, mod, name, hoistComposeFlags(rest).slice(found.used.length), found.entry.summary);
  } finally {
    ctx.close();
  }
}

async function parseAndRun(ctx: CliContext, mod: CommandModule<Record<string, unknown>>, name: string, args: string[], summary: string): Promise<number> {
  const { Command, CommanderError } = require('commander') as typeof import('commander');
  const { addFlags, applyRenames } = require('./flag-table') as typeof import('./flag-table');
  const errorExit = mod.errorExitCode ?? EXIT_GENERAL;
  const cmd = new Command(name);
  cmd
    .usage(mod.usage)
    .description(mod.description || summary)
    .helpOption('--help', 'Print usage')
    .argument('[args...]')
    .allowExcessArguments(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.out.write(s),
      writeErr: () => undefined, // errors are reworded below
      outputError: () => undefined,
    });
  if (mod.passThrough) cmd.passThroughOptions();
  const renames = addFlags(cmd, mod.flags);
  let code = 0;
  cmd.action(async (positional: string[], rawOpts: Record<string, unknown>) => {
    const opts = applyRenames(rawOpts, renames);
    if (mod.minArgs !== undefined && positional.length < mod.minArgs) {
      const exact = mod.maxArgs === mod.minArgs;
      const n = mod.minArgs;
      ctx.err.write(`berth: '${name}' requires ${exact ? 'exactly' : 'at least'} ${n} argument${n === 1 ? '' : 's'}\n${usageHint(name, mod.usage, 'See')}`);
      code = EXIT_GENERAL;
      return;
    }
    if (mod.maxArgs !== undefined && positional.length > mod.maxArgs) {
      const n = mod.maxArgs;
      ctx.err.write(`berth: '${name}' requires ${mod.minArgs === n ? 'exactly' : 'at most'} ${n} argument${n === 1 ? '' : 's'}\n${usageHint(name, mod.usage, 'See')}`);
      code = EXIT_GENERAL;
      return;
    }
    code = await mod.run(ctx, positional, opts);
  });
  try {
    await cmd.parseAsync(args, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help') return 0;
      ctx.err.write(`${translateCommanderError(e)}\n${usageHint(name, mod.usage, 'Run')}`);
      return EXIT_DAEMON;
    }
    return reportError(ctx, e, errorExit, name);
  }
}

/** Prints an error the Docker way and returns the exit code. */
export function reportError(ctx: CliContext, e: unknown, errorExit: number, name: string): number {
  if (e instanceof CliExit) {
    if (e.message) ctx.err.write(e.message.endsWith('\n') ? e.message : `${e.message}\n`);
    return e.code;
  }
  const err = e as Error & { status?: number; name?: string };
  let msg: string;
  if (err?.name === 'DockerApiError') msg = `Error response from daemon: ${err.message}`;
  else if (err?.name === 'DaemonUnreachableError') msg = err.message;
  else if (err?.name === 'FlagValueError') msg = `invalid argument: ${err.message}`;
  else msg = err?.message ?? String(e);
  if (errorExit === EXIT_DAEMON) ctx.err.write(`berth: ${msg}\n\nRun '${name} --help' for more information\n`);
  else ctx.err.write(`${msg}\n`);
  return errorExit;
}

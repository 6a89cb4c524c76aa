/**
 * One raw instruction -> a typed instruction, checked and expanded the way the
 * classic Docker builder does it. Only ADD, COPY, ENV, EXPOSE, FROM, LABEL,
 * STOPSIGNAL, USER, VOLUME, WORKDIR and ARG defaults are expanded: RUN, CMD,
 * ENTRYPOINT, SHELL and HEALTHCHECK are left to the shell at run time, and an
 * ONBUILD trigger is expanded when it fires in the child build.
 */
import { DockerfileParseError, type RawInstruction } from './ast';
import { heredocData, parseHeredocWord } from './heredoc';
import { parseRunMount, RunMountError, type RunMount } from './run-mounts';
import { ShellExpansionError } from './shell-lex';

export interface CommandLine {
  /** Exec form: the argv. Shell form: one element, the script. */
  command: string[];
  /** true = shell form (the builder prepends SHELL). */
  shell: boolean;
}

export interface CopyLike {
  sources: string[];
  dest: string;
  chown?: string;
  chmod?: string;
  link: boolean;
  /** here-document sources: files named after their delimiter */
  contents?: Array<{ name: string; data: string }>;
  /** --parents: keep each source's path below the context (or stage) root */
  parents?: boolean;
  /** --exclude patterns (.dockerignore syntax) */
  exclude?: string[];
  /** ADD --checksum: sha256:... of the one URL source, or the commit of the one git source */
  checksum?: string;
  /** ADD --keep-git-dir: a git source keeps its .git */
  keepGitDir?: boolean;
}

export interface RunInstruction extends CommandLine {
  kind: 'run';
  mounts?: RunMount[];
  network?: 'none' | 'host' | 'default';
  /** a lone here-document that starts with #!: run as a script file */
  script?: { name: string; data: string };
}

export type HealthcheckInstruction =
  | { kind: 'healthcheck'; none: true }
  | {
      kind: 'healthcheck';
      none: false;
      /** ["CMD", ...argv] or ["CMD-SHELL", script]. */
      test: string[];
      intervalNs?: number;
      timeoutNs?: number;
      startPeriodNs?: number;
      startIntervalNs?: number;
      retries?: number;
    };

export type Instruction =
  | { kind: 'from'; image: string; stageName?: string; platform?: string }
  | RunInstruction
  | ({ kind: 'cmd' } & CommandLine)
  | ({ kind: 'entrypoint' } & CommandLine)
  | ({ kind: 'copy'; from?: string } & CopyLike)
  | ({ kind: 'add' } & CopyLike)
  | { kind: 'env'; pairs: Array<[string, string]> }
  | { kind: 'arg'; args: Array<{ name: string; value?: string }> }
  | { kind: 'label'; pairs: Array<[string, string]> }
  | { kind: 'expose'; ports: string[] }
  | { kind: 'volume'; paths: string[] }
  | { kind: 'user'; user: string }
  | { kind: 'workdir'; path: string }
  | { kind: 'shell'; shell: string[] }
  | { kind: 'stopsignal'; signal: string }
  | HealthcheckInstruction
  | { kind: 'onbuild'; expression: string }
  | { kind: 'maintainer'; name: string };

export type InstructionKind = Instruction['kind'];

/** A decode failure; decodeInstruction turns it into a DockerfileParseError with the line. */
class DecodeError extends Error {}

type FlagType = 'string' | 'bool' | 'strings';
type FlagValues<S extends Record<string, FlagType>> = { [K in keyof S]?: S[K] extends 'strings' ? string[] : string };

/**
 * Docker's BFlags: only `--name=value` / `--bool[=true|false]`, each at most
 * once; anything not declared is refused.
 */
function parseFlags<S extends Record<string, FlagType>>(flags: string[], spec: S): FlagValues<S> {
  const out: Record<string, string | string[]> = {};
  for (const arg of flags) {
    if (!arg.startsWith('--')) throw new DecodeError(`arg should start with -- : ${arg}`);
    if (arg === '--') break;
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    const value = eq < 0 ? undefined : arg.slice(eq + 1);
    if (!Object.prototype.hasOwnProperty.call(spec, name)) throw new DecodeError(`unknown flag: ${name}`);
    const key = name;
    if (spec[key] === 'strings') {
      if (value === undefined) throw new DecodeError(`missing a value on flag: ${name}`);
      out[key] = [...((out[key] as string[] | undefined) ?? []), value];
      continue;
    }
    if (out[key] !== undefined) throw new DecodeError(`duplicate flag specified: ${name}`);
    if (spec[key] === 'bool') {
      if (value === '') throw new DecodeError(`missing a value on flag: ${name}`);
      const v = (value ?? 'true').toLowerCase();
      if (v !== 'true' && v !== 'false') throw new DecodeError(`expecting boolean value for flag ${name}, not: ${value ?? ''}`);
      out[key] = v;
    } else {
      if (value === undefined) throw new DecodeError(`missing a value on flag: ${name}`);
      out[key] = value;
    }
  }
  return out as FlagValues<S>;
}

const atLeastOne = (cmd: string): DecodeError => new DecodeError(`${cmd} requires at least one argument`);
const exactlyOne = (cmd: string): DecodeError => new DecodeError(`${cmd} requires exactly one argument`);

const STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;

export function decodeInstruction(
  raw: RawInstruction,
  expand: (word: string) => string,
  expandWords: (word: string) => string[],
): Instruction {
  try {
    return decode(raw, expand, expandWords);
  } catch (err) {
    if (err instanceof DecodeError || err instanceof ShellExpansionError || err instanceof RunMountError) {
      throw DockerfileParseError.at(raw.startLine, err.message);
    }
    throw err;
  }
}

function decode(raw: RawInstruction, expand: (word: string) => string, expandWords: (word: string) => string[]): Instruction {
  const { args } = raw;
  const upper = raw.cmd.toUpperCase();
  switch (raw.cmd) {
    case 'from': {
      const f = parseFlags(raw.flags, { platform: 'string' });
      let stageName: string | undefined;
      if (args.length === 3 && args[1]?.toLowerCase() === 'as') {
        stageName = (args[2] as string).toLowerCase();
        if (!STAGE_NAME.test(stageName)) {
          throw new DecodeError(`invalid name for build stage: "${args[2] as string}", name can't start with a number or contain symbols`);
        }
      } else if (args.length !== 1) {
        throw new DecodeError('FROM requires either one or three arguments');
      }
      const image = expand(args[0] as string);
      if (image === '') throw new DecodeError(`base name (${args[0] as string}) should not be blank`);
      const out: Instruction = { kind: 'from', image };
      if (stageName !== undefined) out.stageName = stageName;
      if (f.platform !== undefined) out.platform = expand(f.platform);
      return out;
    }
    case 'run':
      return run(raw, expand);
    case 'cmd':
    case 'entrypoint': {
      parseFlags(raw.flags, {});
      return { kind: raw.cmd, ...commandLine(raw) };
    }
    case 'copy':
    case 'add': {
      if (args.length < 2) throw new DecodeError(`${upper} requires at least two arguments`);
      const f = parseFlags(raw.flags, { chown: 'string', chmod: 'string', link: 'bool', from: 'string', parents: 'bool', exclude: 'strings', checksum: 'string', 'keep-git-dir': 'bool' });
      if (raw.cmd === 'copy' && (f.checksum !== undefined || f['keep-git-dir'] !== undefined)) throw new DecodeError(`unknown flag: ${f.checksum !== undefined ? 'checksum' : 'keep-git-dir'}`);
      if (raw.cmd === 'add' && f.from !== undefined) throw new DecodeError('unknown flag: from');
      const docs = new Map((raw.heredocs ?? []).map((h) => [h.name, h]));
      if (parseHeredocWord(args[args.length - 1] as string)) throw new DecodeError(`${upper} cannot accept a heredoc as a destination`);
      const contents: Array<{ name: string; data: string }> = [];
      const sources: string[] = [];
      for (const a of args.slice(0, -1)) {
        const h = docs.size ? parseHeredocWord(a) : undefined;
        const doc = h && docs.get(h.name);
        if (!doc) sources.push(expand(a));
        else contents.push({ name: doc.name, data: doc.expand ? expandHeredoc(heredocData(doc), expand) : heredocData(doc) });
      }
      const out: CopyLike = { sources, dest: expand(args[args.length - 1] as string), link: f.link === 'true' };
      if (contents.length) out.contents = contents;
      if (f.chown !== undefined) out.chown = expand(f.chown);
      if (f.chmod !== undefined) out.chmod = expand(f.chmod);
      if (f.parents === 'true') out.parents = true;
      if (f.exclude?.length) out.exclude = f.exclude.map(expand);
      if (f.checksum !== undefined) out.checksum = expand(f.checksum);
      if (f['keep-git-dir'] === 'true') out.keepGitDir = true;
      if (raw.cmd === 'add') return { kind: 'add', ...out };
      return f.from !== undefined ? { kind: 'copy', ...out, from: expand(f.from) } : { kind: 'copy', ...out };
    }
    case 'env':
    case 'label': {
      parseFlags(raw.flags, {});
      if (args.length === 0) throw atLeastOne(upper);
      if (args.length % 3 !== 0) throw new DecodeError(`Bad input to ${upper}, too many arguments`);
      const pairs: Array<[string, string]> = [];
      for (let i = 0; i < args.length; i += 3) {
        const name = expand(args[i] as string);
        if (name === '') throw new DecodeError(`${upper} names can not be blank`);
        pairs.push([name, expand(args[i + 1] as string)]);
      }
      return { kind: raw.cmd, pairs };
    }
    case 'arg': {
      parseFlags(raw.flags, {});
      if (args.length === 0) throw atLeastOne(upper);
      return {
        kind: 'arg',
        args: args.map((word) => {
          // unlike ENV, a name alone is valid: it declares the arg without a default
          const eq = word.indexOf('=');
          const name = eq < 0 ? word : word.slice(0, eq);
          if (name === '') throw new DecodeError('ARG names can not be blank');
          return eq < 0 ? { name } : { name, value: expand(word.slice(eq + 1)) };
        }),
      };
    }
    case 'expose': {
      parseFlags(raw.flags, {});
      if (args.length === 0) throw atLeastOne(upper);
      // the one instruction whose variables may expand to several words
      return { kind: 'expose', ports: args.flatMap(expandWords) };
    }
    case 'volume': {
      parseFlags(raw.flags, {});
      if (args.length === 0) throw atLeastOne(upper);
      const paths = args.map((a) => expand(a).trim());
      if (paths.some((p) => p === '')) throw new DecodeError('VOLUME specified can not be an empty string');
      return { kind: 'volume', paths };
    }
    case 'user':
    case 'workdir':
    case 'stopsignal':
    case 'maintainer': {
      parseFlags(raw.flags, {});
      if (args.length !== 1) throw exactlyOne(upper);
      const value = args[0] as string;
      if (raw.cmd === 'user') return { kind: 'user', user: expand(value) };
      if (raw.cmd === 'workdir') return { kind: 'workdir', path: expand(value) };
      if (raw.cmd === 'stopsignal') return { kind: 'stopsignal', signal: expand(value) };
      return { kind: 'maintainer', name: value };
    }
    case 'shell': {
      parseFlags(raw.flags, {});
      if (args.length === 0) throw atLeastOne(upper);
      if (!raw.json) throw new DecodeError('SHELL requires the arguments to be in JSON form');
      return { kind: 'shell', shell: [...args] };
    }
    case 'healthcheck':
      return healthcheck(raw);
    case 'onbuild': {
      parseFlags(raw.flags, {});
      if (!raw.next) throw atLeastOne(upper);
      const trigger = raw.next.cmd.toUpperCase();
      if (trigger === 'ONBUILD') throw new DecodeError('Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
      if (trigger === 'MAINTAINER' || trigger === 'FROM') throw new DecodeError(`${trigger} isn't allowed as an ONBUILD trigger`);
      return { kind: 'onbuild', expression: raw.original.replace(/^\s*ONBUILD\s*/i, '') };
    }
    default:
      throw new DecodeError(`unknown instruction: ${raw.original.trim().split(/\s/)[0] ?? upper}`);
  }
}

/**
 * RUN: its flags, and its here-documents as BuildKit runs them: a command that is
 * one here-document runs its content as the script (a file when it starts with #!);
 * anything else goes to the shell whole, here-documents and all, for it to read.
 */
function run(raw: RawInstruction, expand: (word: string) => string): RunInstruction {
  const f = parseFlags(raw.flags, { mount: 'strings', network: 'string', security: 'string' });
  if (raw.args.length === 0) throw atLeastOne('RUN');
  const out: RunInstruction = { kind: 'run', ...commandLine(raw) };
  if (f.mount?.length) out.mounts = f.mount.map((m) => parseRunMount(expand(m)));
  if (f.network !== undefined) {
    const n = expand(f.network);
    if (n !== 'none' && n !== 'host' && n !== 'default') throw new DecodeError(`unsupported network mode "${n}"`);
    out.network = n;
  }
  if (f.security !== undefined && f.security !== 'sandbox') throw new DecodeError(`RUN --security=${f.security} is not supported by Berth: build steps always run sandboxed`);
  const docs = raw.heredocs ?? [];
  if (docs.length && out.shell) {
    const script = out.command[0] ?? '';
    const lone = parseHeredocWord(script);
    const first = docs[0];
    if (lone && first && docs.length === 1) {
      const data = heredocData(first);
      if (data.startsWith('#!')) out.script = { name: first.name, data };
      else out.command = [data];
    } else out.command = [docs.reduce((full, d) => `${full}\n${d.content}${d.name}`, script)];
  }
  return out;
}

/** Variables in a here-document's content; quotes and backslashes are the content's own. */
function expandHeredoc(data: string, expand: (word: string) => string): string {
  return data.replace(/\$(\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*)/g, (m) => expand(m));
}

function commandLine(raw: RawInstruction): CommandLine {
  if (raw.args.length === 0) return { command: [], shell: !raw.json };
  return raw.json ? { command: [...raw.args], shell: false } : { command: [raw.args.join(' ')], shell: true };
}

function healthcheck(raw: RawInstruction): HealthcheckInstruction {
  if (raw.args.length === 0) throw atLeastOne('HEALTHCHECK');
  const type = (raw.args[0] as string).toUpperCase();
  const rest = raw.args.slice(1);
  if (type === 'NONE') {
    if (rest.length !== 0) throw new DecodeError('HEALTHCHECK NONE takes no arguments');
    return { kind: 'healthcheck', none: true };
  }
  const f = parseFlags(raw.flags, {
    interval: 'string',
    timeout: 'string',
    'start-period': 'string',
    'start-interval': 'string',
    retries: 'string',
  });
  if (type !== 'CMD') throw new DecodeError(`Unknown type "${type}" in HEALTHCHECK (try CMD)`);
  const cmd = commandLine({ ...raw, args: rest });
  if (cmd.command.length === 0) throw new DecodeError('Missing command after HEALTHCHECK CMD');
  const out: HealthcheckInstruction = { kind: 'healthcheck', none: false, test: [cmd.shell ? 'CMD-SHELL' : 'CMD', ...cmd.command] };
  const interval = optInterval('interval', f.interval);
  const timeout = optInterval('timeout', f.timeout);
  const startPeriod = optInterval('start-period', f['start-period']);
  const startInterval = optInterval('start-interval', f['start-interval']);
  if (interval !== undefined) out.intervalNs = interval;
  if (timeout !== undefined) out.timeoutNs = timeout;
  if (startPeriod !== undefined) out.startPeriodNs = startPeriod;
  if (startInterval !== undefined) out.startIntervalNs = startInterval;
  if (f.retries !== undefined && f.retries !== '') {
    const retries = parseGoInt32(f.retries);
    if (retries < 0) throw new DecodeError(`--retries cannot be negative (${retries})`);
    out.retries = retries;
  }
  return out;
}

const MIN_INTERVAL_NS = 1_000_000;

/** 0 means "use the default"; anything else must be at least 1ms. */
function optInterval(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  let ns: number;
  try {
    ns = parseGoDuration(value);
  } catch (err) {
    throw new DecodeError((err as Error).message);
  }
  if (ns !== 0 && ns < MIN_INTERVAL_NS) throw new DecodeError(`Interval "${name}" cannot be less than 1ms`);
  return ns;
}

const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3,
  'μs': 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go's time.ParseDuration ("1m30s", "1.5h", "-2ms", "0"), in nanoseconds. */
export function parseGoDuration(text: string): number {
  const invalid = (): Error => new Error(`time: invalid duration "${text}"`);
  let s = text;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw invalid();
  let total = 0;
  while (s !== '') {
    const m = /^(\d*)(?:\.(\d*))?/.exec(s) as RegExpExecArray;
    const intPart = m[1] ?? '';
    const fracPart = m[2];
    if (intPart === '' && (fracPart === undefined || fracPart === '')) throw invalid();
    s = s.slice(m[0].length);
    const unit = /^[^\d.]*/.exec(s)?.[0] ?? '';
    if (unit === '') throw new Error(`time: missing unit in duration "${text}"`);
    const scale = UNIT_NS[unit];
    if (scale === undefined) throw new Error(`time: unknown unit "${unit}" in duration "${text}"`);
    s = s.slice(unit.length);
    total += Number(intPart || '0') * scale + (fracPart ? Number(`0.${fracPart}`) * scale : 0);
  }
  if (total > 9223372036854775807) throw invalid();
  return sign * Math.round(total);
}

/** strconv.ParseInt(s, 10, 32) with its error wording. */
function parseGoInt32(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) throw new DecodeError(`strconv.ParseInt: parsing "${s}": invalid syntax`);
  const n = Number(s);
  if (n > 2147483647 || n < -2147483648) throw new DecodeError(`strconv.ParseInt: parsing "${s}": value out of range`);
  return n;
}

/**
 * Dockerfile builds as Docker's classic builder (`POST /build?version=1`) runs
 * them: stages one after another, every instruction a step that makes an image
 * (a layer for RUN, COPY, ADD and a WORKDIR that had to be made; metadata for
 * the rest), each step looked up in the build cache first. Output is the
 * builder's "Step n/m : …" / " ---> id" stream.
 */
import { createHash } from 'node:crypto';
import { chmodSync, createReadStream, createWriteStream, linkSync, lstatSync, mkdirSync, promises as fs, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, utimesSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import * as os from 'node:os';
import * as path from 'node:path';
import { InvalidArgumentError, NotFoundError } from '../base/errors';
import { packTree } from '../platform/tar-tree';
import type { ImageConfigConfig } from '../protocol/oci/image';
import { detectCompression } from '../layer/decompress';
import { extractTar } from './context/extract';
import { fetchGit, parseGitRef, type GitRef } from './git-source';
import type { RawInstruction } from './dockerfile/ast';
import { decodeInstruction, type CommandLine, type CopyLike, type Instruction, type RunInstruction } from './dockerfile/instructions';
import type { RunMount } from './dockerfile/run-mounts';
import type { CacheMounts } from './cache-mounts';
import { openAgentProxy } from './ssh-agent-proxy';
import { parseDockerfile } from './dockerfile/parser';
import { processWord, processWords } from './dockerfile/shell-lex';
import { createIgnoreMatcher, parseDockerignore, type IgnoreMatcher } from '../base/dockerignore';
import type { BuildCacheStore, BuildImage, BuildPorts, ImagePathStat, SealedStep, StepFs, StepMount } from './ports';

export interface BuildOptions {
  /** the extracted build context */
  contextDir: string;
  /** the Dockerfile's path inside the context */
  dockerfile: string;
  tags: string[];
  buildArgs: Record<string, string | null>;
  labels: Record<string, string>;
  target?: string;
  noCache: boolean;
  /** remove intermediate containers after a successful step (Docker's default) */
  remove: boolean;
  /** ... and after a failed one too */
  forceRemove: boolean;
  networkMode: string;
  /** pull FROM images even when they are local */
  pull: boolean;
  /** where steps stage files: under the data root, so a killed daemon's leftovers go at its next start */
  tmpDir?: string;
  /** RUN --mount=type=secret sources: id → a file the daemon holds for this build only */
  secrets?: Record<string, string>;
  /** RUN --mount=type=ssh agents: id → the agent's unix socket, on the daemon's host */
  ssh?: Record<string, string>;
  /** images whose build steps may be reused (`--cache-from`); when set, only they are */
  cacheFrom?: string[];
  /** RUN --mount=type=cache directories, kept between builds */
  cacheMounts?: CacheMounts;
  signal?: AbortSignal;
  /** one piece of the "stream" text */
  out: (text: string) => void;
}

/** A RUN that exited non-zero: the API reports `code` as errorDetail.code, the CLI exits with it. */
export class BuildStepError extends InvalidArgumentError {
  constructor(message: string, readonly exitCode: number) {
    super(message, 'BUILD_STEP_FAILED');
  }
}

const DEFAULT_SHELL = ['/bin/sh', '-c'];
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The mutable state of the stage being built. */
interface StageState {
  index: number;
  /** the number the next step prints */
  step: number;
  /** this stage's share of the output stream; a promised text holds what follows until it settles */
  out: (text: string | Promise<string>) => void;
  /** the last committed image; a sealed step after it may still be committing (see settle()) */
  image: BuildImage | undefined;
  /** a RUN whose changes are sealed and commit on, while the next RUN may run on them */
  pending?: { sealed: SealedStep; settled: Promise<void> };
  /** the instruction after this one is a RUN */
  nextIsRun?: boolean;
  config: ImageConfigConfig;
  /** ARGs declared in this stage, with their values (undefined: declared, no value) */
  args: Map<string, string | undefined>;
  /** whether CMD was set in this stage (an ENTRYPOINT resets an inherited CMD) */
  cmdSet: boolean;
  author?: string;
}

const noop = (): void => undefined;

const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

function envMap(env: string[] | undefined): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of env ?? []) {
    const i = e.indexOf('=');
    m.set(i < 0 ? e : e.slice(0, i), i < 0 ? '' : e.slice(i + 1));
  }
  return m;
}

function setEnv(env: string[] | undefined, key: string, value: string): string[] {
  const out = (env ?? []).filter((e) => (e.indexOf('=') < 0 ? e : e.slice(0, e.indexOf('='))) !== key);
  out.push(`${key}=${value}`);
  return out;
}

function commandOf(c: CommandLine, shell: string[]): string[] {
  return c.shell ? [...shell, c.command[0] ?? ''] : c.command;
}

function stepLine(n: number, total: number, raw: RawInstruction): string {
  return `Step ${n}/${total} : ${raw.original.replace(/\\\n\s*/g, '').replace(/\s*\n\s*/g, ' ').trim()}\n`;
}

function hash(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex');
}

/** `# syntax=` may name the standard Dockerfile frontend (its 1.x channel); Berth is that frontend. */
const STANDARD_FRONTEND = /^(?:docker\.io\/)?docker\/dockerfile(?:-upstream)?(?::(?:1|1\.\d+|1\.\d+\.\d+|latest)(?:-labs)?)?(?:@sha256:[a-f0-9]{64})?$/;

export async function runBuild(ports: BuildPorts, cache: BuildCacheStore, opts: BuildOptions): Promise<BuildImage> {
  const ctxDir = path.resolve(opts.contextDir);
  const dfPath = path.resolve(ctxDir, opts.dockerfile || 'Dockerfile');
  if (dfPath !== ctxDir && !dfPath.startsWith(ctxDir + path.sep)) throw new InvalidArgumentError(`the Dockerfile (${opts.dockerfile}) must be within the build context`, 'DOCKERFILE_OUTSIDE');
  const text = await fs.readFile(dfPath, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') throw new InvalidArgumentError(`Cannot locate specified Dockerfile: ${opts.dockerfile || 'Dockerfile'}`, 'NO_DOCKERFILE');
    throw e;
  });
  if (text === '') throw new InvalidArgumentError(`the Dockerfile (${opts.dockerfile || 'Dockerfile'}) cannot be empty`, 'EMPTY_DOCKERFILE');
  const parsed = parseDockerfile(text);
  if (parsed.syntax !== undefined && !STANDARD_FRONTEND.test(parsed.syntax.trim())) {
    throw new InvalidArgumentError(`the Dockerfile asks for the frontend ${parsed.syntax} (# syntax=): Berth builds with its own implementation of the standard frontend (docker/dockerfile:1) and runs no other`, 'FRONTEND_UNSUPPORTED');
  }
  const ignore = createIgnoreMatcher(parseDockerignore(await fs.readFile(path.join(ctxDir, '.dockerignore'), 'utf8').catch(() => '')));
  const b = new Builder(ports, cache, opts, ctxDir, ignore, parsed.escapeToken);
  return b.run(parsed.instructions);
}

/** One stage of the Dockerfile, as planned before anything runs. */
interface StageDef {
  index: number;
  name?: string;
  instructions: RawInstruction[];
  /** the step number its FROM prints */
  firstStep: number;
}

/**
 * The classic stream from stages that run side by side: a stage's output goes out
 * as it comes while every stage before it is done, and is held until then otherwise,
 * so the stream reads as if the stages ran one after another.
 */
class OrderedOutput {
  private head = 0;
  private readonly held = new Map<number, string[]>();
  private readonly finished = new Set<number>();

  constructor(private readonly order: number[], private readonly out: (text: string) => void) {}

  write(stage: number, text: string): void {
    if (!this.order.includes(stage)) this.order.push(stage);
    if (this.order[this.head] === stage) this.out(text);
    else {
      const held = this.held.get(stage);
      if (held) held.push(text);
      else this.held.set(stage, [text]);
    }
  }

  finish(stage: number): void {
    this.finished.add(stage);
    while (this.head < this.order.length && this.finished.has(this.order[this.head] as number)) {
      this.head++;
      this.flush(this.order[this.head]);
    }
  }

  /** A failed stage's output goes out at once. */
  flush(stage: number | undefined): void {
    if (stage === undefined) return;
    for (const t of this.held.get(stage) ?? []) this.out(t);
    this.held.delete(stage);
  }
}

class Builder {
  private defs: StageDef[] = [];
  private readonly results = new Map<number, Promise<BuildImage | undefined>>();
  private readonly globalArgs = new Map<string, string | undefined>();
  private readonly usedArgs = new Set<string>();
  private total = 0;
  private readonly tmp: string;
  private output!: OrderedOutput;
  private readonly abort = new AbortController();
  private readonly signal: AbortSignal;
  private extraStep = 0;
  private firstError: unknown;

  constructor(
    private readonly ports: BuildPorts,
    private readonly cache: BuildCacheStore,
    private readonly opts: BuildOptions,
    private readonly ctxDir: string,
    private readonly ignore: IgnoreMatcher,
    private readonly escape: string,
  ) {
    this.tmp = opts.tmpDir ?? os.tmpdir();
    this.signal = opts.signal ? AbortSignal.any([opts.signal, this.abort.signal]) : this.abort.signal;
  }

  async run(all: RawInstruction[]): Promise<BuildImage> {
    const firstFrom = all.findIndex((i) => i.cmd === 'from');
    if (firstFrom < 0) throw new InvalidArgumentError('no build stage in current context', 'NO_STAGE');
    const globals = all.slice(0, firstFrom);
    for (const g of globals) if (g.cmd !== 'arg') throw new InvalidArgumentError(`no build stage in current context`, 'NO_STAGE');
    const stages: RawInstruction[][] = [];
    for (const i of all.slice(firstFrom)) {
      if (i.cmd === 'from') stages.push([i]);
      else stages.at(-1)!.push(i);
    }
    let last = stages.length - 1;
    if (this.opts.target) {
      last = stages.findIndex((s) => this.stageNameOf(s[0]!)?.toLowerCase() === this.opts.target!.toLowerCase());
      if (last < 0) throw new InvalidArgumentError(`failed to reach build target ${this.opts.target} in Dockerfile`, 'NO_TARGET');
    }
    const labels = Object.entries(this.opts.labels);
    if (labels.length) stages[last]!.push(labelInstruction(labels));
    this.defs = stages.map((instructions, index) => {
      const def: StageDef = { index, instructions, firstStep: 0 };
      const name = this.stageNameOf(instructions[0]!)?.toLowerCase();
      if (name !== undefined) def.name = name;
      return def;
    });

    for (const g of globals) {
      const ins = this.decode(g, this.definedGlobals());
      if (ins.kind === 'arg') for (const a of ins.args) this.globalArgs.set(a.name, this.argValue(a.name, a.value));
    }
    // only the stages the target needs, numbered in Dockerfile order
    const needed = this.neededStages(last);
    let step = globals.length;
    for (const i of needed) {
      this.defs[i]!.firstStep = step + 1;
      step += this.defs[i]!.instructions.length;
    }
    this.total = step;
    this.extraStep = step;
    globals.forEach((g, i) => this.opts.out(stepLine(i + 1, this.total, g)));
    this.output = new OrderedOutput([...needed], this.opts.out);
    // every needed stage starts now; one that needs another waits for it where it does
    for (const i of needed) void this.stageResult(i).catch(() => undefined);
    let result: BuildImage | undefined;
    try {
      result = await this.stageResult(last);
      await Promise.all(needed.map((i) => this.stageResult(i)));
    } catch (e) {
      this.abort.abort();
      await Promise.allSettled([...this.results.values()]);
      await Promise.all(this.releasing.values());
      throw this.firstError ?? e;
    }
    await Promise.all(this.releasing.values());
    if (!result) throw new InvalidArgumentError('the build made no image: a FROM scratch stage needs at least one instruction', 'EMPTY_IMAGE');
    const unused = Object.keys(this.opts.buildArgs).filter((k) => !this.usedArgs.has(k) && !PREDEFINED_ARGS.has(k));
    if (unused.length) this.opts.out(`[Warning] One or more build-args [${unused.join(' ')}] were not consumed\n`);
    if (this.opts.tags.length) await this.ports.tag(result.id, this.opts.tags);
    await this.cache.flush?.();
    return result;
  }

  private definedGlobals(): Map<string, string> {
    return new Map([...this.globalArgs].filter((e): e is [string, string] => e[1] !== undefined));
  }

  /**
   * The target and, transitively, the stages it names in FROM, COPY --from and
   * RUN --mount from= (read with the global ARGs, as the stage would read them).
   */
  private neededStages(target: number): number[] {
    const env = this.definedGlobals();
    const expand = (w: string): string => {
      try {
        return processWord(w, env, this.escape);
      } catch {
        return w;
      }
    };
    const refOf = (word: string, before: number): number | undefined => {
      const w = expand(word).toLowerCase();
      if (/^\d+$/.test(w)) return Number(w) < before ? Number(w) : undefined;
      return this.defs.find((d) => d.index < before && d.name === w)?.index;
    };
    const seen = new Set<number>();
    const visit = (i: number): void => {
      if (seen.has(i)) return;
      seen.add(i);
      const def = this.defs[i]!;
      const refs: string[] = [];
      const from = def.instructions[0]!;
      if (from.args[0] !== undefined) refs.push(from.args[0]);
      for (const raw of def.instructions.slice(1)) {
        for (const f of raw.flags) {
          if (raw.cmd === 'copy' && f.startsWith('from=', 2)) refs.push(f.slice(7));
          if (raw.cmd === 'run' && f.startsWith('mount=', 2)) {
            const m = /(?:^|,)from=([^,]+)/.exec(f.slice(8));
            if (m?.[1] !== undefined) refs.push(m[1]);
          }
        }
      }
      for (const r of refs) {
        const dep = r.toLowerCase() === 'scratch' ? undefined : refOf(r, i);
        if (dep !== undefined) visit(dep);
      }
    };
    visit(target);
    return [...seen].sort((a, b) => a - b);
  }

  /** A stage's image, its build started on first demand. */
  private stageResult(index: number): Promise<BuildImage | undefined> {
    let p = this.results.get(index);
    if (!p) {
      const def = this.defs[index]!;
      // a stage only an ONBUILD trigger names: numbered after the planned ones
      if (def.firstStep === 0) {
        def.firstStep = this.extraStep + 1;
        this.extraStep += def.instructions.length;
      }
      p = this.runStage(def).then(
        (img) => {
          this.output.finish(index);
          return img;
        },
        (e: unknown) => {
          // the first failure is the build's error; the stages it stopped fail after it
          this.firstError ??= e;
          this.output.flush(index);
          this.abort.abort();
          throw e;
        },
      );
      this.results.set(index, p);
    }
    return p;
  }

  private stageNameOf(from: RawInstruction): string | undefined {
    const i = from.args.findIndex((a) => a.toLowerCase() === 'as');
    return i >= 0 ? from.args[i + 1] : undefined;
  }

  private begin(st: StageState, raw: RawInstruction): void {
    st.out(stepLine(st.step++, this.total, raw));
  }

  private decode(raw: RawInstruction, env: Map<string, string>): Instruction {
    return decodeInstruction(raw, (w) => processWord(w, env, this.escape), (w) => processWords(w, env, this.escape));
  }

  private argValue(name: string, dflt: string | undefined): string | undefined {
    if (Object.prototype.hasOwnProperty.call(this.opts.buildArgs, name)) {
      this.usedArgs.add(name);
      const v = this.opts.buildArgs[name];
      if (v !== null && v !== undefined) return v;
    }
    return dflt;
  }

  /** A stage (by name or index, before `before`) or an image; undefined for scratch. */
  private async baseImage(ref: string, before: number, out: (text: string) => void): Promise<BuildImage | undefined> {
    if (ref.toLowerCase() === 'scratch') return undefined;
    const stage = this.defs.find((d) => d.index < before && d.name === ref.toLowerCase());
    if (stage) return this.stageResult(stage.index);
    const local = this.opts.pull ? undefined : await this.ports.findImage(ref);
    if (local) return local;
    return this.ports.pullImage(ref, (line) => out(`${line}\n`), this.signal);
  }

  private async runStage(def: StageDef): Promise<BuildImage | undefined> {
    const [fromRaw, ...rest] = def.instructions as [RawInstruction, ...RawInstruction[]];
    const write = (text: string): void => this.output.write(def.index, text);
    // texts after a promised one (a sealed step's " ---> id") wait for it, in order
    let queue: Promise<void> | undefined;
    const out = (text: string | Promise<string>): void => {
      if (!queue && typeof text === 'string') return write(text);
      // a commit that failed writes nothing: its error ends the build
      const next: Promise<void> = (queue ?? Promise.resolve()).then(() => text).then(write, () => undefined);
      queue = next;
      void next.then(() => {
        if (queue === next) queue = undefined;
      });
    };
    const drained = async (): Promise<void> => {
      while (queue) await queue;
    };
    out(stepLine(def.firstStep, this.total, fromRaw));
    const from = this.decode(fromRaw, this.definedGlobals());
    if (from.kind !== 'from') throw new InvalidArgumentError('a stage starts with FROM', 'NO_FROM');
    const image = await this.baseImage(from.image, def.index, out);
    if (image) out(` ---> ${short(image.id)}\n`);
    const st: StageState = {
      index: def.index,
      step: def.firstStep + 1,
      out,
      image,
      config: structuredClone(image?.config ?? {}),
      args: new Map(),
      cmdSet: false,
    };
    if (!st.config.Env?.some((e) => e.startsWith('PATH='))) st.config.Env = [`PATH=${DEFAULT_PATH}`, ...(st.config.Env ?? [])];
    const triggers = st.config.OnBuild ?? [];
    try {
      if (triggers.length) {
        out(`# Executing ${triggers.length} build trigger${triggers.length > 1 ? 's' : ''}\n`);
        st.config.OnBuild = [];
        for (const t of triggers) {
          for (const raw of parseDockerfile(t).instructions) await this.runInstruction(st, raw);
        }
      }
      for (const [i, raw] of rest.entries()) {
        this.signal.throwIfAborted();
        this.begin(st, raw);
        st.nextIsRun = rest[i + 1]?.cmd === 'run';
        await this.runInstruction(st, raw);
      }
      await this.settle(st);
    } finally {
      // what a failed step printed goes out before its error, also when a sealed step held it
      await st.pending?.settled.catch(() => undefined);
      await drained();
    }
    return st.image;
  }

  /** Waits for a sealed step's commit: st.image is the stage's image again. */
  private async settle(st: StageState): Promise<void> {
    const p = st.pending;
    if (!p) return;
    try {
      await p.settled;
    } finally {
      if (st.pending === p) st.pending = undefined;
    }
  }

  /** The environment words are expanded with: the stage's ARGs, then ENV over them. */
  private expansionEnv(st: StageState): Map<string, string> {
    const m = new Map<string, string>();
    for (const [k, v] of st.args) if (v !== undefined) m.set(k, v);
    for (const [k, v] of envMap(st.config.Env)) m.set(k, v);
    return m;
  }

  private async runInstruction(st: StageState, raw: RawInstruction): Promise<void> {
    const ins = this.decode(raw, this.expansionEnv(st));
    // only a RUN can go on while the step before it commits
    if (ins.kind !== 'run') await this.settle(st);
    const shell = st.config.Shell ?? DEFAULT_SHELL;
    const nop = (text: string) => `/bin/sh -c #(nop)  ${text}`;
    switch (ins.kind) {
      case 'from':
        throw new InvalidArgumentError('FROM inside a stage', 'NESTED_FROM');
      case 'env':
        for (const [k, v] of ins.pairs) st.config.Env = setEnv(st.config.Env, k, v);
        return this.metadata(st, nop(`ENV ${ins.pairs.map(([k, v]) => `${k}=${v}`).join(' ')}`));
      case 'label':
        st.config.Labels = { ...st.config.Labels };
        for (const [k, v] of ins.pairs) st.config.Labels[k] = v;
        return this.metadata(st, nop(`LABEL ${ins.pairs.map(([k, v]) => `${k}=${v}`).join(' ')}`));
      case 'arg':
        for (const a of ins.args) st.args.set(a.name, this.argValue(a.name, a.value ?? this.globalArgs.get(a.name)));
        return this.metadata(st, nop(`ARG ${ins.args.map((a) => (a.value !== undefined ? `${a.name}=${a.value}` : a.name)).join(' ')}`));
      case 'expose':
        st.config.ExposedPorts = { ...st.config.ExposedPorts };
        for (const p of ins.ports) st.config.ExposedPorts[p.includes('/') ? p.toLowerCase() : `${p}/tcp`] = {};
        return this.metadata(st, nop(`EXPOSE ${ins.ports.join(' ')}`));
      case 'volume':
        st.config.Volumes = { ...st.config.Volumes };
        for (const v of ins.paths) {
          if (!v.trim()) throw new InvalidArgumentError('VOLUME specified can not be an empty string', 'EMPTY_VOLUME');
          st.config.Volumes[v] = {};
        }
        return this.metadata(st, nop(`VOLUME [${ins.paths.join(' ')}]`));
      case 'user':
        st.config.User = ins.user;
        return this.metadata(st, nop(`USER ${ins.user}`));
      case 'stopsignal':
        st.config.StopSignal = ins.signal;
        return this.metadata(st, nop(`STOPSIGNAL ${ins.signal}`));
      case 'shell':
        st.config.Shell = ins.shell;
        return this.metadata(st, nop(`SHELL [${ins.shell.map((s) => JSON.stringify(s)).join(' ')}]`));
      case 'maintainer':
        st.author = ins.name;
        return this.metadata(st, nop(`MAINTAINER ${ins.name}`));
      case 'onbuild':
        st.config.OnBuild = [...(st.config.OnBuild ?? []), ins.expression];
        return this.metadata(st, nop(`ONBUILD ${ins.expression}`));
      case 'healthcheck':
        if (ins.none) st.config.Healthcheck = { Test: ['NONE'] };
        else {
          const hc: NonNullable<ImageConfigConfig['Healthcheck']> = { Test: ins.test };
          if (ins.intervalNs) hc.Interval = ins.intervalNs;
          if (ins.timeoutNs) hc.Timeout = ins.timeoutNs;
          if (ins.startPeriodNs) hc.StartPeriod = ins.startPeriodNs;
          if (ins.retries) hc.Retries = ins.retries;
          st.config.Healthcheck = hc;
        }
        return this.metadata(st, nop(`HEALTHCHECK ${JSON.stringify(st.config.Healthcheck)}`));
      case 'cmd':
        st.config.Cmd = commandOf(ins, shell);
        st.cmdSet = true;
        return this.metadata(st, nop(`CMD ${JSON.stringify(st.config.Cmd)}`));
      case 'entrypoint':
        st.config.Entrypoint = commandOf(ins, shell);
        if (!st.cmdSet) st.config.Cmd = null; // Docker: a new ENTRYPOINT drops the CMD the base image had
        return this.metadata(st, nop(`ENTRYPOINT ${JSON.stringify(st.config.Entrypoint)}`));
      case 'workdir':
        return this.workdir(st, ins.path);
      case 'run':
        return this.runStep(st, ins);
      case 'copy':
        return this.copy(st, ins, ins.from, 'COPY');
      case 'add':
        return this.copy(st, ins, undefined, 'ADD');
    }
  }

  /** Cache lookup: the image a step with this key made before, if it is still there. */
  private async cached(st: StageState, key: string): Promise<BuildImage | undefined> {
    if (this.opts.noCache) return undefined;
    const id = await this.cache.get(key);
    let img = id ? await this.ports.findImage(id) : undefined;
    // with --cache-from, as dockerd's classic builder: a step is reused only when a named image was built on it
    if (img && this.opts.cacheFrom?.length && !(await this.cacheFromIds()).has(img.id)) img = undefined;
    if (img) st.out(' ---> Using cache\n');
    return img;
  }

  private cacheFromLineage: Promise<Set<string>> | undefined;

  private cacheFromIds(): Promise<Set<string>> {
    this.cacheFromLineage ??= Promise.all((this.opts.cacheFrom ?? []).map((ref) => this.ports.imageLineage(ref))).then((l) => new Set(l.flat()));
    return this.cacheFromLineage;
  }

  private done(st: StageState, img: BuildImage, key: string): Promise<void> {
    st.image = img;
    st.config = structuredClone(img.config);
    st.out(` ---> ${short(img.id)}\n`);
    return this.cache.set(key, img.id);
  }

  /**
   * A sealed step becomes the stage's image when its commit ends (after the one before it); its
   * " ---> id" line holds the stage's later output until then.
   */
  private pend(st: StageState, sealed: SealedStep, keyOf: (baseId: string) => string): void {
    const before = st.pending;
    const baseId = before ? before.sealed.image.then((i) => i.id) : Promise.resolve(st.image!.id);
    const settled = (async () => {
      await before?.settled;
      const img = await sealed.image;
      st.image = img;
      await this.cache.set(keyOf(await baseId), img.id);
    })();
    settled.catch(noop); // settle() or the stage's end reports it
    st.pending = { sealed, settled };
    st.out(sealed.image.then((img) => ` ---> ${short(img.id)}\n`));
  }

  /**
   * Steps committed: their unmount and removal run while the build goes on, and end before it does;
   * `after` a sealed step's commit, which takes its upper dir.
   */
  private readonly releasing = new Map<StepFs, Promise<void>>();

  private releaseLater(step: StepFs, after?: Promise<unknown>): void {
    this.releasing.set(step, after ? after.then(noop, noop).then(() => step.release()) : step.release());
  }

  private async metadata(st: StageState, createdBy: string): Promise<void> {
    const key = hash('meta', st.image?.id ?? 'scratch', createdBy, JSON.stringify(st.config), st.author ?? '');
    const img = (await this.cached(st, key)) ?? (await this.ports.commitImage(st.image?.id, undefined, st.config, createdBy, st.author));
    await this.done(st, img, key);
  }

  private requireBase(st: StageState, what: string): BuildImage {
    if (!st.image || st.image.layers === 0) throw new InvalidArgumentError(`${what}: the image has no filesystem (FROM scratch); nothing can run in it`, 'SCRATCH_RUN');
    return st.image;
  }

  private async runStep(st: StageState, ins: RunInstruction): Promise<void> {
    const shell = st.config.Shell ?? DEFAULT_SHELL;
    // a #! here-document runs as a file, where BuildKit puts it
    const cmd = ins.script ? [`/dev/pipes/${ins.script.name}`] : commandOf(ins, shell);
    // build args reach RUN as environment (ENV wins), and are part of its cache key as Docker records them
    const env = envMap(st.config.Env);
    const argPairs = [...st.args].filter((e): e is [string, string] => e[1] !== undefined && !env.has(e[0]));
    const createdBy = `${argPairs.length ? `|${argPairs.length} ${argPairs.map(([k, v]) => `${k}=${v}`).join(' ')} ` : ''}${cmd.join(' ')}`;
    const mounts = ins.mounts ?? [];
    const networkMode = ins.network === undefined || ins.network === 'default' ? this.opts.networkMode : ins.network;
    const keyParts = [createdBy, ...(await this.mountKeys(st, mounts)), ins.network ?? '', ins.script?.data ?? ''];
    const keyOf = (baseId: string) => hash('run', baseId, ...keyParts);
    // Light unless the user asked to keep intermediate containers (--rm=false) or the image declares
    // VOLUMEs (a step container gets volumes there, whose changes the layer leaves out).
    const light = this.ports.runLight && this.opts.remove && !Object.keys(st.config.Volumes ?? {}).length ? this.ports.runLight.bind(this.ports) : undefined;
    if (!light) await this.settle(st);
    // on a step this build just made no cache entry can exist (its image is new): no lookup, and no wait for its id
    const on = st.pending?.sealed;
    let base: BuildImage | undefined;
    if (!on) {
      base = this.requireBase(st, `The command '${cmd.join(' ')}'`);
      const key = keyOf(base.id);
      const hit = await this.cached(st, key);
      if (hit) return this.done(st, hit, key);
    }
    const prepared = await this.prepareMounts(st, mounts, ins.script);
    try {
      const proc = {
        cmd,
        env: [...(st.config.Env ?? []), ...argPairs.map(([k, v]) => `${k}=${v}`), ...prepared.env],
        user: st.config.User ?? '',
        workingDir: st.config.WorkingDir ?? '',
        networkMode,
        mounts: prepared.mounts,
      };
      if (light) {
        const run = await light(on ?? base!.id, proc, (id) => st.out(` ---> Running in ${short(id)}\n`), (chunk) => st.out(chunk.toString('utf8')), this.signal);
        try {
          if (run.exitCode !== 0) {
            // as the classic builder leaves it: a container to inspect, unless it held a secret
            if (!this.opts.forceRemove && !prepared.secretInEnv) await run.keep();
            throw new BuildStepError(`The command '${cmd.join(' ')}' returned a non-zero code: ${run.exitCode}`, run.exitCode);
          }
          const sealed = await run.seal(st.config, createdBy, st.nextIsRun);
          st.out(`Removing intermediate container ${short(run.id)}\n`);
          // its tree goes once the commit has taken (or failed to take) the upper dir
          this.releaseLater(run, sealed.image);
          this.pend(st, sealed, keyOf);
          return;
        } finally {
          if (!this.releasing.has(run)) await run.release();
        }
      }
      base ??= this.requireBase(st, `The command '${cmd.join(' ')}'`);
      const cid = await this.ports.createStep(base.id, proc);
      st.out(` ---> Running in ${short(cid)}\n`);
      let code: number;
      try {
        code = await this.ports.runStep(cid, (chunk) => st.out(chunk.toString('utf8')), this.signal);
      } catch (e) {
        if (this.opts.forceRemove || this.signal.aborted || prepared.secretInEnv) await this.ports.removeStep(cid).catch(() => undefined);
        throw e;
      }
      if (code !== 0) {
        // a container that holds a secret in its environment never outlives its step
        if (this.opts.forceRemove || prepared.secretInEnv) await this.ports.removeStep(cid).catch(() => undefined);
        throw new BuildStepError(`The command '${cmd.join(' ')}' returned a non-zero code: ${code}`, code);
      }
      const img = await this.ports.commitStep(cid, st.config, createdBy);
      if (this.opts.remove || this.opts.forceRemove) {
        st.out(`Removing intermediate container ${short(cid)}\n`);
        await this.ports.removeStep(cid);
      }
      await this.done(st, img, keyOf(base.id));
    } finally {
      await prepared.release();
    }
  }

  /**
   * What a RUN's mounts add to its cache key: their specs, and what a bind mount shows
   * (the context files' digest, the stage's image). Cache contents and secrets do not
   * count, as with BuildKit.
   */
  private async mountKeys(st: StageState, mounts: RunMount[]): Promise<string[]> {
    const keys: string[] = [];
    for (const m of mounts) {
      if (m.type === 'secret') keys.push(`secret:${m.id}:${m.target ?? ''}:${m.env ?? ''}:${m.mode}:${m.uid}:${m.gid}`);
      else if (m.type === 'bind' && m.from === undefined) {
        const digest = createHash('sha256');
        await this.stage(this.contextPath(m.source), undefined, this.contextRel(m.source), digest);
        keys.push(`bind:${JSON.stringify(m)}:${digest.digest('hex')}`);
      } else if (m.type === 'bind' || (m.type === 'cache' && m.from !== undefined)) {
        const img = await this.fromImage(st, m.from as string);
        keys.push(`${JSON.stringify(m)}:${img?.id ?? 'scratch'}`);
      } else keys.push(JSON.stringify(m));
    }
    return keys;
  }

  private contextRel(source: string): string {
    const p = path.posix.normalize(source.replace(/^\/+/, '')).replace(/\/+$/, '') || '.';
    if (p === '..' || p.startsWith('../')) throw new InvalidArgumentError(`forbidden path outside the build context: ${source}`, 'OUTSIDE_CONTEXT');
    return p;
  }

  private contextPath(source: string): string {
    return path.join(this.ctxDir, this.contextRel(source));
  }

  /** The host side of a RUN's mounts, and what to undo after the step. */
  private async prepareMounts(st: StageState, mounts: RunMount[], script: RunInstruction['script']): Promise<{ mounts: StepMount[]; env: string[]; secretInEnv: boolean; release: () => Promise<void> }> {
    const out: StepMount[] = [];
    const env: string[] = [];
    let secretInEnv = false;
    let sshIndex = 0;
    const undo: Array<() => Promise<void> | void> = [];
    const release = async (): Promise<void> => {
      for (const u of undo.reverse()) await u();
    };
    const scratch = async (): Promise<string> => {
      const dir = await fs.mkdtemp(path.join(this.tmp, 'mount-'));
      undo.push(() => fs.rm(dir, { recursive: true, force: true }));
      return dir;
    };
    try {
      if (script) {
        const dir = await scratch();
        await fs.writeFile(path.join(dir, 'script'), script.data, { mode: 0o755 });
        out.push({ type: 'bind', source: path.join(dir, 'script'), target: `/dev/pipes/${script.name}`, readOnly: true });
      }
      for (const m of mounts) {
        switch (m.type) {
          case 'tmpfs':
            out.push(m.size !== undefined ? { type: 'tmpfs', target: m.target, sizeBytes: m.size } : { type: 'tmpfs', target: m.target });
            break;
          case 'bind': {
            let source: string;
            if (m.from === undefined) {
              source = this.contextPath(m.source);
              if (!(await fs.lstat(source).catch(() => undefined))) throw new NotFoundError('file', m.source, `failed to compute cache key: "/${this.contextRel(m.source)}" not found`);
            } else source = await this.copyOutOf(st, m.from, m.source, await scratch());
            if (!m.readOnly && m.from === undefined) {
              // writes to a read-write bind are thrown away with the step
              const copy = path.join(await scratch(), 'src');
              await this.stage(source, copy, this.contextRel(m.source));
              source = copy;
            }
            out.push({ type: 'bind', source, target: m.target, readOnly: m.readOnly });
            break;
          }
          case 'cache': {
            const cacheMounts = this.opts.cacheMounts;
            if (!cacheMounts) throw new InvalidArgumentError('RUN --mount=type=cache needs a cache mount store', 'NO_CACHE_MOUNTS');
            const lease = await cacheMounts.acquire(m, this.signal);
            undo.push(() => lease.release());
            if (lease.created && m.from !== undefined) {
              const seed = await this.copyOutOf(st, m.from, m.source ?? '/', await scratch());
              await this.stage(seed, lease.dir, undefined);
            }
            out.push({ type: 'bind', source: lease.dir, target: m.target, readOnly: m.readOnly });
            break;
          }
          case 'secret': {
            const file = this.opts.secrets?.[m.id];
            if (file === undefined) {
              if (m.required) throw new InvalidArgumentError(`secret ${m.id}: not found`, 'SECRET_NOT_FOUND');
              break;
            }
            if (m.env !== undefined) {
              env.push(`${m.env}=${await fs.readFile(file, 'utf8')}`);
              secretInEnv = true;
            }
            if (m.target !== undefined) {
              const copy = path.join(await scratch(), 'secret');
              await fs.copyFile(file, copy);
              await fs.chown(copy, m.uid, m.gid);
              await fs.chmod(copy, m.mode);
              out.push({ type: 'bind', source: copy, target: m.target, readOnly: true });
            }
            break;
          }
          case 'ssh': {
            // numbered over the RUN's ssh mounts, forwarded or not, as BuildKit numbers them
            const target = m.target ?? `/run/buildkit/ssh_agent.${sshIndex}`;
            sshIndex++;
            const agent = this.opts.ssh?.[m.id];
            if (agent === undefined) {
              if (m.required) throw new InvalidArgumentError(`ssh ${m.id}: no SSH agent socket or key was forwarded for this id (berth build --ssh ${m.id}[=SOCKET|KEY])`, 'SSH_NOT_FOUND');
              break;
            }
            const proxy = await openAgentProxy(agent, path.join(await scratch(), 'agent.sock'), m);
            undo.push(() => proxy.close());
            out.push({ type: 'bind', source: proxy.path, target, readOnly: false });
            // the first forwarded agent is the one ssh and git find by themselves
            if (!env.some((e) => e.startsWith('SSH_AUTH_SOCK='))) env.push(`SSH_AUTH_SOCK=${target}`);
            break;
          }
        }
      }
      return { mounts: out, env, secretInEnv, release };
    } catch (e) {
      await release();
      throw e;
    }
  }

  /** A stage or image `from=` names (the ARGs of the stage expanded already). */
  private fromImage(st: StageState, from: string): Promise<BuildImage | undefined> {
    if (/^\d+$/.test(from)) {
      if (Number(from) >= st.index) throw new InvalidArgumentError(`invalid from flag value ${from}: index out of bounds`, 'BAD_FROM');
      return this.stageResult(Number(from));
    }
    return this.baseImage(from, st.index, st.out);
  }

  /** `source` of a stage or image, copied out to `into`; returns the host path of the copy. */
  private async copyOutOf(st: StageState, from: string, source: string, into: string): Promise<string> {
    const [rel] = await this.fetchFrom(st, from, [source], into);
    return path.join(into, rel as string);
  }

  private async workdir(st: StageState, dir: string): Promise<void> {
    const abs = path.posix.resolve('/', st.config.WorkingDir || '/', dir);
    st.config.WorkingDir = abs;
    const createdBy = `/bin/sh -c #(nop) WORKDIR ${abs}`;
    // Docker makes the directory when it is missing, as a layer of its own
    if (!st.image || st.image.layers === 0) return this.metadata(st, createdBy);
    const key = hash('workdir', st.image.id, abs, JSON.stringify(st.config));
    const hit = await this.cached(st, key);
    if (hit) return this.done(st, hit, key);
    const direct = await this.workdirLayer(st.image.id, abs);
    if (direct === 'exists') return this.metadata(st, createdBy);
    if (direct) return this.done(st, await this.ports.commitImage(st.image.id, direct, st.config, createdBy, st.author), key);
    const tree = await this.openFs(st.image.id, `WORKDIR ${abs}`);
    try {
      if ((await tree.isDirectory(abs)) === undefined) {
        const staging = await fs.mkdtemp(path.join(this.tmp, 'workdir-'));
        try {
          await fs.mkdir(path.join(staging, abs), { recursive: true, mode: 0o755 });
          // directories the image has (through symlinks too) stay as they are, as Docker's MkdirAll leaves them
          const have = new Set<string>();
          for (let p = path.posix.dirname(abs); p !== '/'; p = path.posix.dirname(p)) if (await tree.isDirectory(p)) have.add(p);
          await tree.putArchive(packTree({ hostPathOf: (p) => path.join(staging, p), adjust: (p) => (p === '/' || have.has(p) ? { skip: true } : undefined) }, '/', ''));
        } finally {
          await fs.rm(staging, { recursive: true, force: true });
        }
        const img = await tree.commit(st.config, createdBy);
        return await this.done(st, img, key);
      }
    } finally {
      await tree.release();
    }
    return this.metadata(st, createdBy);
  }

  /**
   * WORKDIR's layer as a tar, from what the image's layers say without a mount: the missing
   * directories 0755 root's, those above them as the image has them. 'exists': nothing to make;
   * undefined: a symlink or file on the way, or layers the lookup cannot read (open a tree).
   */
  private async workdirLayer(imageId: string, abs: string): Promise<Readable | 'exists' | undefined> {
    const look = this.ports.viewImage ? await this.ports.viewImage(imageId) : undefined;
    if (!look || abs === '/' || path.posix.normalize(abs) !== abs) return undefined;
    const parts = abs.split('/').filter(Boolean);
    const entries: tar.Headers[] = [];
    const now = new Date();
    let missing = false;
    for (let i = 1; i <= parts.length; i++) {
      const p = `/${parts.slice(0, i).join('/')}`;
      const e = missing ? ({ kind: 'absent' } as const) : await look(p);
      if (e.kind === 'blocked' || (e.kind === 'entry' && e.stat.isSymbolicLink())) return undefined;
      if (e.kind === 'entry' && !e.stat.isDirectory()) return i === parts.length ? 'exists' : undefined; // a file there: as before, no directory
      if (e.kind === 'entry') entries.push({ name: p.slice(1), type: 'directory', mode: e.stat.mode & 0o7777, uid: e.stat.uid, gid: e.stat.gid, mtime: e.stat.mtime });
      else {
        missing = true;
        entries.push({ name: p.slice(1), type: 'directory', mode: 0o755, uid: 0, gid: 0, mtime: now });
      }
    }
    if (!missing) return 'exists';
    const pack = tar.pack();
    for (const h of entries) pack.entry(h);
    pack.finalize();
    return pack;
  }

  /** COPY/ADD: the sources are laid out as they will land in a host staging dir, then extracted in one go. */
  private async copy(st: StageState, ins: CopyLike, from: string | undefined, verb: 'COPY' | 'ADD'): Promise<void> {
    // a stage's image never changes under its id: COPY --from is looked up before anything is copied out
    let fromKey: string | undefined;
    if (from !== undefined) {
      const source = await this.fromImage(st, from);
      fromKey = hash('copy-from', st.image?.id ?? 'scratch', source?.id ?? 'scratch', JSON.stringify(ins), from, st.config.WorkingDir ?? '');
      const hit = await this.cached(st, fromKey);
      if (hit) return this.done(st, hit, fromKey);
    }
    const staging = await fs.mkdtemp(path.join(this.tmp, 'copy-'));
    const fromDir = from ? await fs.mkdtemp(path.join(this.tmp, 'from-')) : undefined;
    let fetchDir: string | undefined;
    try {
      let dest = ins.dest;
      if (!dest.startsWith('/')) dest = path.posix.join(st.config.WorkingDir || '/', dest) + (dest.endsWith('/') || dest === '.' ? '/' : '');
      const gits = verb === 'ADD' ? ins.sources.map(parseGitRef).filter((g): g is GitRef => g !== undefined) : [];
      const urls = verb === 'ADD' && !gits.length ? ins.sources.filter((x) => /^https?:\/\//i.test(x)) : [];
      if ((urls.length || gits.length) && urls.length + gits.length !== ins.sources.length) throw new InvalidArgumentError('ADD with both URLs and local sources is not supported by Berth: use one ADD for each', 'ADD_MIXED');
      if (ins.checksum !== undefined && urls.length + gits.length === 0) throw new InvalidArgumentError("checksum can't be specified for non-HTTP(S) sources", 'ADD_CHECKSUM');
      if (ins.keepGitDir && !gits.length) throw new InvalidArgumentError('--keep-git-dir is only for git sources', 'ADD_KEEP_GIT_DIR');
      const contents = ins.contents ?? [];
      if (contents.length && ins.sources.length) throw new InvalidArgumentError(`${verb} of here-documents and files at once is not supported by Berth: use one ${verb} for each`, 'COPY_MIXED');
      if (urls.length || gits.length || contents.length) fetchDir = await fs.mkdtemp(path.join(this.tmp, 'add-'));
      const srcRoot = fromDir ?? fetchDir ?? this.ctxDir;
      const exclude = ins.exclude ? createIgnoreMatcher(ins.exclude) : undefined;
      let sources = fromDir
        ? await this.fetchFrom(st, from!, ins.sources, fromDir)
        : contents.length
          ? await writeHeredocs(contents, fetchDir!)
          : gits.length
            ? await fetchGitAll(gits, fetchDir!, { keepGitDir: ins.keepGitDir === true, checksum: ins.checksum, signal: this.signal })
            : fetchDir
              ? await downloadAll(urls, fetchDir, this.signal, ins.checksum)
              : await this.matchContext(ins.sources);
      // --parents keeps a source's path; --from sources are known by the path they had in the stage
      const originalPath = (rel: string): string => (fromDir ? path.posix.normalize(ins.sources[Number(rel.split('/')[0])] ?? rel).replace(/^\/+/, '') : rel);
      if (exclude) sources = sources.filter((rel) => !exclude.ignores(originalPath(rel)));
      if (sources.length === 0) throw new InvalidArgumentError(`${verb} failed: no source files were specified`, 'NO_SOURCE');
      const destIsDir = dest.endsWith('/') || sources.length > 1 || ins.sources.length > 1;
      if ((sources.length > 1 || ins.sources.length > 1) && !dest.endsWith('/')) {
        throw new InvalidArgumentError(`When using ${verb} with more than one source file, the destination must be a directory and end with a /`, 'DEST_NOT_DIR');
      }
      if (ins.chmod && (!/^[0-7]{3,4}$/.test(ins.chmod))) throw new InvalidArgumentError(`invalid chmod parameter: ${ins.chmod}`, 'BAD_CHMOD');
      const mode = ins.chmod ? parseInt(ins.chmod, 8) : undefined;
      // the cache key first, from a hash of the sources: a hit copies nothing and makes no container
      const digest = createHash('sha256');
      const kinds = new Map<string, 'dir' | 'archive' | 'other'>();
      for (const rel of sources) {
        const src = path.join(srcRoot, rel);
        const st0 = await fs.lstat(src).catch(() => undefined);
        if (!st0) throw new NotFoundError('file', rel, `${verb} failed: file not found in build context or excluded by .dockerignore: stat ${rel}: file does not exist`);
        // only local archives are unpacked; a downloaded one lands as it is, as Docker does
        if (verb === 'ADD' && !fetchDir && st0.isFile() && (await isArchive(src))) {
          kinds.set(rel, 'archive');
          digest.update(`archive:${rel}:`).update(await fileDigest(src));
          continue;
        }
        kinds.set(rel, st0.isDirectory() ? 'dir' : 'other');
        digest.update(`source:${rel}:`);
        await this.stage(src, undefined, fromDir || fetchDir ? undefined : rel, digest, exclude);
      }
      const summary = `${verb} ${from ? `--from=${from} ` : ''}${ins.parents ? '--parents ' : ''}${ins.chown ? `--chown=${ins.chown} ` : ''}${ins.chmod ? `--chmod=${ins.chmod} ` : ''}${verb === 'COPY' ? 'file' : 'multi'}:${digest.digest('hex')} in ${dest} `;
      const createdBy = `/bin/sh -c #(nop) ${summary}`;
      const key = hash('copy', st.image?.id ?? 'scratch', createdBy);
      const hit = await this.cached(st, key);
      if (hit) {
        await this.done(st, hit, key);
        if (fromKey) await this.cache.set(fromKey, hit.id);
        return;
      }
      const base = st.image && st.image.layers > 0 ? st.image : undefined;
      // straight to a layer where the image needs no mount to answer what the copy asks of it
      const plan = base && (!ins.chown || /^\d+:\d+$/.test(ins.chown)) ? await this.directPlan(base.id, dest, destIsDir) : undefined;
      const tree = base && !plan ? await this.openFs(base.id, verb) : undefined;
      try {
        const destExistsAsDir = plan ? plan.destExistsAsDir : !destIsDir && tree ? (await tree.isDirectory(dest)) === true : false;
        const linked = new Set<string>();
        for (const rel of sources) {
          const src = path.join(srcRoot, rel);
          if (kinds.get(rel) === 'archive') {
            await extractArchiveInto(src, path.join(staging, dest));
            continue;
          }
          const target = ins.parents
            ? path.posix.join(dest, originalPath(rel))
            : kinds.get(rel) === 'dir' ? dest : destIsDir || destExistsAsDir ? path.posix.join(dest, path.basename(rel)) : dest;
          await this.stage(src, path.join(staging, target), fromDir || fetchDir ? undefined : rel, undefined, exclude, linked);
        }
        const owner = ins.chown ? (tree ? await tree.resolveOwner(ins.chown) : numericOwner(ins.chown)) : { uid: 0, gid: 0 };
        // the destination's own ancestors keep what the image has; a scratch layer needs them as entries
        const ancestors = new Set<string>();
        for (let p = path.posix.dirname(dest.replace(/\/+$/, '') || '/'); p !== '/'; p = path.posix.dirname(p)) ancestors.add(p);
        if (destIsDir || destExistsAsDir) ancestors.add(dest.replace(/\/+$/, ''));
        const tar = packTree({
          local: true,
          hostPathOf: (p) => path.join(staging, p),
          adjust: (p, s, h) => {
            if (p === '/') return { skip: true };
            if (tree && ancestors.has(p)) return { skip: true };
            if (plan && ancestors.has(p)) {
              // as the image has it; a missing one as extraction would make it
              const had = plan.ancestors.get(p);
              h.mode = had ? had.mode & 0o7777 : 0o755;
              h.uid = had ? had.uid : 0;
              h.gid = had ? had.gid : 0;
              if (had) h.mtime = had.mtime;
              return undefined;
            }
            h.uid = owner.uid;
            h.gid = owner.gid;
            if (mode !== undefined && !s.isSymbolicLink()) h.mode = mode;
            return undefined;
          },
        }, '/', '');
        const img = tree ? (await tree.putArchive(tar), await tree.commit(st.config, createdBy)) : await this.ports.commitImage(st.image?.id, tar, st.config, createdBy, st.author);
        if (tree) this.releaseLater(tree);
        await this.done(st, img, key);
        if (fromKey) await this.cache.set(fromKey, img.id);
      } finally {
        if (tree && !this.releasing.has(tree)) await tree.release();
      }
    } finally {
      await fs.rm(staging, { recursive: true, force: true });
      if (fromDir) await fs.rm(fromDir, { recursive: true, force: true });
      if (fetchDir) await fs.rm(fetchDir, { recursive: true, force: true });
    }
  }

  /**
   * What a COPY needs of the image (whether the destination is a directory, the directories above it),
   * answered from the layers without a mount; undefined where that is not plain: a symlink or file on
   * the way (extraction would follow or refuse it), or layers without the record the lookup needs.
   */
  private async directPlan(imageId: string, dest: string, destIsDir: boolean): Promise<{ destExistsAsDir: boolean; ancestors: Map<string, ImagePathStat | undefined> } | undefined> {
    const look = this.ports.viewImage ? await this.ports.viewImage(imageId) : undefined;
    if (!look) return undefined;
    const target = dest.replace(/\/+$/, '') || '/';
    if (path.posix.normalize(target) !== target) return undefined;
    let destExistsAsDir = false;
    if (!destIsDir && target !== '/') {
      const e = await look(target);
      if (e.kind === 'blocked' || (e.kind === 'entry' && e.stat.isSymbolicLink())) return undefined;
      destExistsAsDir = e.kind === 'entry' && e.stat.isDirectory();
    }
    const ancestors = new Map<string, ImagePathStat | undefined>();
    const dirs: string[] = [];
    for (let p = path.posix.dirname(target); p !== '/'; p = path.posix.dirname(p)) dirs.push(p);
    if ((destIsDir || destExistsAsDir) && target !== '/') dirs.push(target);
    for (const d of dirs) {
      const e = await look(d);
      if (e.kind === 'blocked' || (e.kind === 'entry' && !e.stat.isDirectory())) return undefined;
      ancestors.set(d, e.kind === 'entry' ? e.stat : undefined);
    }
    return { destExistsAsDir, ancestors };
  }

  /** Context paths a COPY source names: literal, or a pattern matched against the (not ignored) context. */
  private async matchContext(patterns: string[]): Promise<string[]> {
    const out: string[] = [];
    for (const raw of patterns) {
      const p = path.posix.normalize(raw.replace(/^\/+/, '')).replace(/\/+$/, '') || '.';
      if (p === '..' || p.startsWith('../')) throw new InvalidArgumentError(`forbidden path outside the build context: ${raw}`, 'OUTSIDE_CONTEXT');
      if (!/[*?[]/.test(p)) {
        if (p !== '.' && this.ignore.ignores(p)) throw new NotFoundError('file', raw, `COPY failed: file not found in build context or excluded by .dockerignore: stat ${p}: file does not exist`);
        out.push(p);
        continue;
      }
      const m = createIgnoreMatcher([p]);
      const found: string[] = [];
      const walk = async (dir: string): Promise<void> => {
        for (const name of (await fs.readdir(path.join(this.ctxDir, dir))).sort()) {
          const rel = dir ? `${dir}/${name}` : name;
          if (this.ignore.ignores(rel)) continue;
          if (m.ignores(rel)) {
            found.push(rel);
            continue;
          }
          if ((await fs.lstat(path.join(this.ctxDir, rel))).isDirectory() && m.mayIncludeUnder(rel)) await walk(rel);
        }
      };
      await walk('');
      if (!found.length) throw new NotFoundError('file', raw, `COPY failed: no source files were specified`);
      out.push(...found);
    }
    return out;
  }

  /** COPY --from: the paths copied out of a stage's (or an image's) filesystem into `into`. */
  private async fetchFrom(st: StageState, from: string, sources: string[], into: string): Promise<string[]> {
    const image = await this.fromImage(st, from);
    if (!image || image.layers === 0) throw new InvalidArgumentError(`COPY --from=${from}: the stage has no filesystem`, 'BAD_FROM');
    const direct = await this.fetchFiles(image.id, sources, into);
    if (direct) return direct;
    const tree = await this.openFs(image.id, 'COPY --from');
    try {
      const out: string[] = [];
      for (const [i, src] of sources.entries()) {
        const dir = path.join(into, String(i));
        await fs.mkdir(dir);
        const tar = await tree.getArchive(src).catch((e: unknown) => {
          if (e instanceof NotFoundError) throw new NotFoundError('file', src, `COPY failed: stat ${src}: file does not exist`);
          throw e;
        });
        await extractTar(tar, dir);
        // the archive of "/" is the root's contents: the folder itself is the source
        if (path.posix.normalize(`/${src}`) === '/') {
          out.push(String(i));
          continue;
        }
        const [name] = await fs.readdir(dir);
        if (name === undefined) throw new NotFoundError('file', src, `COPY failed: stat ${src}: file does not exist`);
        out.push(`${i}/${name}`);
      }
      return out;
    } finally {
      await tree.release();
    }
  }

  /**
   * COPY --from of plain files: each taken from the layer that holds it, with no tree to mount;
   * undefined when a source is anything else (a directory's contents merge across layers).
   */
  private async fetchFiles(imageId: string, sources: string[], into: string): Promise<string[] | undefined> {
    const look = this.ports.viewImage ? await this.ports.viewImage(imageId) : undefined;
    if (!look) return undefined;
    const found: Array<{ hostPath: string; stat: ImagePathStat; name: string }> = [];
    for (const src of sources) {
      const abs = path.posix.normalize(`/${src}`);
      if (abs === '/' || src.endsWith('/') || src.endsWith('/.')) return undefined;
      const e = await look(abs);
      if (e.kind !== 'entry' || !e.stat.isFile()) return undefined;
      found.push({ hostPath: e.hostPath, stat: e.stat, name: path.posix.basename(abs) });
    }
    const out: string[] = [];
    for (const [i, f] of found.entries()) {
      const file = path.join(into, String(i), f.name);
      await fs.mkdir(path.dirname(file));
      // as the archive would extract it: content, mode and time (owners are COPY's own)
      await fs.copyFile(f.hostPath, file);
      await fs.chmod(file, f.stat.mode & 0o7777);
      await fs.utimes(file, f.stat.mtime, f.stat.mtime);
      out.push(`${i}/${f.name}`);
    }
    return out;
  }

  /** An image's filesystem for a step that only copies: no container where the engine can do without. */
  private async openFs(imageId: string, what: string): Promise<StepFs> {
    if (this.ports.openStepFs) return this.ports.openStepFs(imageId);
    const cid = await this.ports.createStep(imageId, { cmd: ['/bin/sh', '-c', `#(nop) ${what}`], env: [], user: '', workingDir: '/', networkMode: 'none' });
    return {
      isDirectory: (p) => this.ports.isDirectory(cid, p),
      putArchive: (t) => this.ports.putArchive(cid, t),
      getArchive: (p) => this.ports.getArchive(cid, p),
      resolveOwner: (spec) => this.ports.resolveOwner(cid, spec),
      commit: (config, createdBy) => this.ports.commitStep(cid, config, createdBy),
      release: () => this.ports.removeStep(cid).catch(() => undefined),
    };
  }

  /**
   * Copies `src` (a file, link or tree) to `dest` on the host, leaving out what .dockerignore excludes;
   * with `digest` and no `dest`, only hashes what would be copied (names, modes, link targets, contents).
   * Sources and staging are daemon-owned temp dirs: metadata calls are synchronous (a thread-pool round
   * trip each cost more than the call on a loaded host); file contents are still copied asynchronously.
   */
  private async stage(src: string, dest: string | undefined, ctxRel: string | undefined, digest?: ReturnType<typeof createHash>, exclude?: IgnoreMatcher, linked?: Set<string>): Promise<void> {
    const walk = async (from: string, to: string | undefined, rel: string | undefined): Promise<void> => {
      const s = lstatSync(from);
      digest?.update(`${path.relative(src, from)}\0${s.mode}\0`);
      if (s.isDirectory()) {
        if (to) {
          mkdirSync(to, { recursive: true });
          chmodSync(to, s.mode & 0o7777);
        }
        for (const name of readdirSync(from).sort()) {
          const childRel = rel === undefined ? undefined : rel === '.' ? name : `${rel}/${name}`;
          const childTo = to && path.join(to, name);
          if (exclude?.ignores(path.relative(src, path.join(from, name)))) continue;
          if (childRel !== undefined && this.ignore.ignores(childRel)) {
            // an excluded directory can still hold what a `!pattern` brings back
            if (lstatSync(path.join(from, name)).isDirectory() && this.ignore.mayIncludeUnder(childRel)) await walkExcluded(path.join(from, name), childTo, childRel);
            continue;
          }
          await walk(path.join(from, name), childTo, childRel);
        }
        if (to) utimesSync(to, s.atime, s.mtime);
        return;
      }
      if (s.isSymbolicLink()) {
        const target = readlinkSync(from);
        digest?.update(target);
        if (to) {
          mkdirSync(path.dirname(to), { recursive: true });
          rmSync(to, { recursive: true, force: true });
          symlinkSync(target, to);
        }
        return;
      }
      if (!s.isFile()) return; // devices and sockets have no place in a build context
      if (digest) digest.update(await fileDigest(from));
      if (!to) return;
      mkdirSync(path.dirname(to), { recursive: true });
      rmSync(to, { recursive: true, force: true });
      // `linked`: the staging is only read (packed), so a hard link serves as a copy; an inode
      // staged twice is copied the second time, or the layer would hold one file under two names
      const inode = `${s.dev}:${s.ino}`;
      if (linked && !linked.has(inode) && tryLink(from, to)) {
        linked.add(inode);
        return;
      }
      await fs.copyFile(from, to);
      await fs.chmod(to, s.mode & 0o7777);
      await fs.utimes(to, s.atime, s.mtime);
    };
    const walkExcluded = async (from: string, to: string | undefined, rel: string): Promise<void> => {
      for (const name of readdirSync(from).sort()) {
        const childRel = `${rel}/${name}`;
        const childTo = to && path.join(to, name);
        const isDir = lstatSync(path.join(from, name)).isDirectory();
        if (!this.ignore.ignores(childRel)) await walk(path.join(from, name), childTo, childRel);
        else if (isDir && this.ignore.mayIncludeUnder(childRel)) await walkExcluded(path.join(from, name), childTo, childRel);
      }
    };
    await walk(src, dest, ctxRel);
  }
}

const PREDEFINED_ARGS = new Set(['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy']);

/** `docker build --label`: the classic builder appends one LABEL instruction to the last stage. */
function labelInstruction(labels: Array<[string, string]>): RawInstruction {
  const args: string[] = [];
  for (const [k, v] of labels) args.push(JSON.stringify(k), JSON.stringify(v), '=');
  return { cmd: 'label', flags: [], args, json: false, original: `LABEL ${labels.map(([k, v]) => `${JSON.stringify(k)}=${JSON.stringify(v)}`).join(' ')}`, startLine: 0, endLine: 0 };
}

function numericOwner(spec: string): { uid: number; gid: number } {
  const [u = '', g] = spec.split(':');
  if (!/^\d+$/.test(u) || (g !== undefined && !/^\d+$/.test(g))) throw new InvalidArgumentError(`unable to convert uid/gid chown string to host mapping: names need an /etc/passwd, and a FROM scratch image has none: ${spec}`, 'BAD_CHOWN');
  return { uid: Number(u), gid: Number(g ?? u) };
}

async function fileDigest(file: string): Promise<string> {
  const h = createHash('sha256');
  const st = statSync(file);
  if (st.size <= 256 * 1024) return h.update(readFileSync(file)).digest('hex');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

function tryLink(from: string, to: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch {
    return false;
  }
}

/** ADD unpacks local archives: tar, plain or compressed, recognized by content as Docker does. */
async function isArchive(file: string): Promise<boolean> {
  const fh = await fs.open(file, 'r');
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await fh.read(head, 0, 512, 0);
    const b = head.subarray(0, bytesRead);
    if (detectCompression(b) !== 'none') return true;
    return bytesRead >= 262 && b.subarray(257, 262).toString('latin1') === 'ustar';
  } finally {
    await fh.close();
  }
}

async function extractArchiveInto(file: string, dest: string): Promise<void> {
  await fs.mkdir(dest, { recursive: true });
  await extractTar(createReadStream(file), dest);
}

/** COPY <<EOF: each here-document a file named after its delimiter, 0644 as BuildKit makes it. */
async function writeHeredocs(contents: Array<{ name: string; data: string }>, into: string): Promise<string[]> {
  const out: string[] = [];
  for (const [i, c] of contents.entries()) {
    await fs.mkdir(path.join(into, String(i)));
    const file = path.join(into, String(i), c.name);
    await fs.writeFile(file, c.data);
    await fs.chmod(file, 0o644);
    out.push(`${i}/${c.name}`);
  }
  return out;
}

/** ADD <git ref>: each repository checked out into `into/<i>`; the folders (a subdir's) are the sources. */
async function fetchGitAll(gits: GitRef[], into: string, opts: { keepGitDir: boolean; checksum?: string; signal?: AbortSignal }): Promise<string[]> {
  if (opts.checksum !== undefined && gits.length !== 1) throw new InvalidArgumentError('checksum can\'t be specified for multiple sources', 'ADD_CHECKSUM');
  if (opts.checksum !== undefined && !/^[0-9a-f]{40}$/.test(opts.checksum)) throw new InvalidArgumentError(`invalid checksum for a git source: ${opts.checksum} (a full commit hash)`, 'ADD_CHECKSUM');
  const out: string[] = [];
  for (const [i, g] of gits.entries()) {
    const { dir } = await fetchGit(g, path.join(into, String(i)), opts);
    out.push(path.relative(into, dir));
  }
  return out;
}

/** ADD <url>: each file fetched into `into/<i>/<name from the URL path>`, 0600 and dated by Last-Modified, as Docker leaves it. */
async function downloadAll(urls: string[], into: string, signal?: AbortSignal, checksum?: string): Promise<string[]> {
  if (checksum !== undefined && urls.length !== 1) throw new InvalidArgumentError('checksum can\'t be specified for multiple sources', 'ADD_CHECKSUM');
  if (checksum !== undefined && !/^sha256:[a-f0-9]{64}$/.test(checksum)) throw new InvalidArgumentError(`invalid checksum digest format: ${checksum}`, 'ADD_CHECKSUM');
  const out: string[] = [];
  for (const [i, url] of urls.entries()) {
    const name = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
    if (!name) throw new InvalidArgumentError(`cannot determine filename from url: ${url}`, 'ADD_URL_NAME');
    const res = await fetch(url, { signal, redirect: 'follow' }).catch((e: unknown) => {
      throw new InvalidArgumentError(`failed to GET ${url}: ${(e as Error).message}`, 'ADD_URL_FAILED');
    });
    if (!res.ok || !res.body) throw new InvalidArgumentError(`failed to GET ${url} with status ${res.status} ${res.statusText}`, 'ADD_URL_FAILED');
    await fs.mkdir(path.join(into, String(i)));
    const file = path.join(into, String(i), name);
    await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>), createWriteStream(file, { mode: 0o600 }));
    if (checksum !== undefined) {
      const got = `sha256:${await fileDigest(file)}`;
      if (got !== checksum) throw new InvalidArgumentError(`digest mismatch ${got}: ${checksum}`, 'ADD_CHECKSUM');
    }
    const modified = Date.parse(res.headers.get('last-modified') ?? '');
    if (!Number.isNaN(modified)) await fs.utimes(file, new Date(modified), new Date(modified));
    out.push(`${i}/${name}`);
  }
  return out;
}

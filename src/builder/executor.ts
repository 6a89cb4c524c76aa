/**
 * Dockerfile builds as Docker's classic builder (`POST /build?version=1`) runs
 * them: stages one after another, every instruction a step that makes an image
 * (a layer for RUN, COPY, ADD and a WORKDIR that had to be made; metadata for
 * the rest), each step looked up in the build cache first. Output is the
 * builder's "Step n/m : …" / " ---> id" stream.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { InvalidArgumentError, NotFoundError } from '../base/errors';
import { packTree } from '../platform/tar-tree';
import type { ImageConfigConfig } from '../protocol/oci/image';
import { detectCompression } from '../layer/decompress';
import { extractTar } from './context/extract';
import type { RawInstruction } from './dockerfile/ast';
import { decodeInstruction, type CommandLine, type CopyLike, type Instruction } from './dockerfile/instructions';
import { parseDockerfile } from './dockerfile/parser';
import { processWord, processWords } from './dockerfile/shell-lex';
import { createIgnoreMatcher, parseDockerignore, type IgnoreMatcher } from '../base/dockerignore';
import type { BuildCacheStore, BuildImage, BuildPorts } from './ports';

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

interface StageResult {
  name?: string;
  image: BuildImage | undefined; // undefined: scratch with no step yet
}

/** The mutable state of the stage being built. */
interface StageState {
  image: BuildImage | undefined;
  config: ImageConfigConfig;
  /** ARGs declared in this stage, with their values (undefined: declared, no value) */
  args: Map<string, string | undefined>;
  /** whether CMD was set in this stage (an ENTRYPOINT resets an inherited CMD) */
  cmdSet: boolean;
  author?: string;
}

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

function hash(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex');
}

export async function runBuild(ports: BuildPorts, cache: BuildCacheStore, opts: BuildOptions): Promise<BuildImage> {
  const ctxDir = path.resolve(opts.contextDir);
  const dfPath = path.resolve(ctxDir, opts.dockerfile || 'Dockerfile');
  if (dfPath !== ctxDir && !dfPath.startsWith(ctxDir + path.sep)) throw new InvalidArgumentError(`the Dockerfile (${opts.dockerfile}) must be within the build context`, 'DOCKERFILE_OUTSIDE');
  const text = await fs.readFile(dfPath, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') throw new InvalidArgumentError(`Cannot locate specified Dockerfile: ${opts.dockerfile || 'Dockerfile'}`, 'NO_DOCKERFILE');
    throw e;
  });
  const parsed = parseDockerfile(text);
  const ignore = createIgnoreMatcher(parseDockerignore(await fs.readFile(path.join(ctxDir, '.dockerignore'), 'utf8').catch(() => '')));
  const b = new Builder(ports, cache, opts, ctxDir, ignore, parsed.escapeToken);
  return b.run(parsed.instructions);
}

class Builder {
  private readonly stages: StageResult[] = [];
  private readonly globalArgs = new Map<string, string | undefined>();
  private readonly usedArgs = new Set<string>();
  private step = 0;
  private total = 0;
  private readonly tmp: string;

  constructor(
    private readonly ports: BuildPorts,
    private readonly cache: BuildCacheStore,
    private readonly opts: BuildOptions,
    private readonly ctxDir: string,
    private readonly ignore: IgnoreMatcher,
    private readonly escape: string,
  ) {
    this.tmp = opts.tmpDir ?? os.tmpdir();
  }

  async run(all: RawInstruction[]): Promise<BuildImage> {
    const firstFrom = all.findIndex((i) => i.cmd === 'from');
    if (firstFrom < 0) throw new InvalidArgumentError('no build stage in current context', 'NO_STAGE');
    const globals = all.slice(0, firstFrom);
    for (const g of globals) if (g.cmd !== 'arg') throw new InvalidArgumentError(`no build stage in current context`, 'NO_STAGE');
    // stages, cut at the target
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
    const chosen = stages.slice(0, last + 1);
    const labels = Object.entries(this.opts.labels);
    this.total = globals.length + chosen.reduce((n, s) => n + s.length, 0) + (labels.length ? 1 : 0);

    for (const g of globals) {
      this.begin(g);
      const ins = this.decode(g, new Map([...this.globalArgs].filter((e): e is [string, string] => e[1] !== undefined)));
      if (ins.kind === 'arg') for (const a of ins.args) this.globalArgs.set(a.name, this.argValue(a.name, a.value));
    }
    let result: BuildImage | undefined;
    for (const [i, stage] of chosen.entries()) {
      const isLast = i === chosen.length - 1;
      const extra = isLast && labels.length ? [labelInstruction(labels)] : [];
      result = await this.runStage([...stage, ...extra]);
    }
    if (!result) throw new InvalidArgumentError('the build made no image: a FROM scratch stage needs at least one instruction', 'EMPTY_IMAGE');
    const unused = Object.keys(this.opts.buildArgs).filter((k) => !this.usedArgs.has(k) && !PREDEFINED_ARGS.has(k));
    if (unused.length) this.opts.out(`[Warning] One or more build-args [${unused.join(' ')}] were not consumed\n`);
    if (this.opts.tags.length) await this.ports.tag(result.id, this.opts.tags);
    return result;
  }

  private stageNameOf(from: RawInstruction): string | undefined {
    const i = from.args.findIndex((a) => a.toLowerCase() === 'as');
    return i >= 0 ? from.args[i + 1] : undefined;
  }

  private begin(raw: RawInstruction): void {
    this.step++;
    this.opts.out(`Step ${this.step}/${this.total} : ${raw.original.replace(/\\\n\s*/g, '').replace(/\s*\n\s*/g, ' ').trim()}\n`);
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

  private async baseImage(ref: string): Promise<BuildImage | undefined> {
    if (ref.toLowerCase() === 'scratch') return undefined;
    const stage = this.stages.find((s) => s.name && s.name.toLowerCase() === ref.toLowerCase());
    if (stage) return stage.image;
    const local = this.opts.pull ? undefined : await this.ports.findImage(ref);
    if (local) return local;
    return this.ports.pullImage(ref, (line) => this.opts.out(`${line}\n`), this.opts.signal);
  }

  private async runStage(instructions: RawInstruction[]): Promise<BuildImage | undefined> {
    const [fromRaw, ...rest] = instructions as [RawInstruction, ...RawInstruction[]];
    this.begin(fromRaw);
    const globals = new Map([...this.globalArgs].filter((e): e is [string, string] => e[1] !== undefined));
    const from = this.decode(fromRaw, globals);
    if (from.kind !== 'from') throw new InvalidArgumentError('a stage starts with FROM', 'NO_FROM');
    const image = await this.baseImage(from.image);
    if (image) this.opts.out(` ---> ${short(image.id)}\n`);
    const st: StageState = {
      image,
      config: structuredClone(image?.config ?? {}),
      args: new Map(),
      cmdSet: false,
    };
    if (!st.config.Env?.some((e) => e.startsWith('PATH='))) st.config.Env = [`PATH=${DEFAULT_PATH}`, ...(st.config.Env ?? [])];
    const triggers = st.config.OnBuild ?? [];
    if (triggers.length) {
      this.opts.out(`# Executing ${triggers.length} build trigger${triggers.length > 1 ? 's' : ''}\n`);
      st.config.OnBuild = [];
      for (const t of triggers) {
        for (const raw of parseDockerfile(t).instructions) await this.runInstruction(st, raw);
      }
    }
    for (const raw of rest) {
      this.begin(raw);
      await this.runInstruction(st, raw);
    }
    this.stages.push({ name: from.stageName, image: st.image });
    return st.image;
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
  private async cached(key: string): Promise<BuildImage | undefined> {
    if (this.opts.noCache) return undefined;
    const id = await this.cache.get(key);
    const img = id ? await this.ports.findImage(id) : undefined;
    if (img) this.opts.out(' ---> Using cache\n');
    return img;
  }

  private done(st: StageState, img: BuildImage, key: string): Promise<void> {
    st.image = img;
    st.config = structuredClone(img.config);
    this.opts.out(` ---> ${short(img.id)}\n`);
    return this.cache.set(key, img.id);
  }

  private async metadata(st: StageState, createdBy: string): Promise<void> {
    const key = hash('meta', st.image?.id ?? 'scratch', createdBy, JSON.stringify(st.config), st.author ?? '');
    const img = (await this.cached(key)) ?? (await this.ports.commitImage(st.image?.id, undefined, st.config, createdBy, st.author));
    await this.done(st, img, key);
  }

  private requireBase(st: StageState, what: string): BuildImage {
    if (!st.image || st.image.layers === 0) throw new InvalidArgumentError(`${what}: the image has no filesystem (FROM scratch); nothing can run in it`, 'SCRATCH_RUN');
    return st.image;
  }

  private async runStep(st: StageState, ins: CommandLine): Promise<void> {
    const shell = st.config.Shell ?? DEFAULT_SHELL;
    const cmd = commandOf(ins, shell);
    // build args reach RUN as environment (ENV wins), and are part of its cache key as Docker records them
    const env = envMap(st.config.Env);
    const argPairs = [...st.args].filter((e): e is [string, string] => e[1] !== undefined && !env.has(e[0]));
    const createdBy = `${argPairs.length ? `|${argPairs.length} ${argPairs.map(([k, v]) => `${k}=${v}`).join(' ')} ` : ''}${cmd.join(' ')}`;
    const base = this.requireBase(st, `The command '${cmd.join(' ')}'`);
    const key = hash('run', base.id, createdBy);
    const hit = await this.cached(key);
    if (hit) return this.done(st, hit, key);
    const cid = await this.ports.createStep(base.id, {
      cmd,
      env: [...(st.config.Env ?? []), ...argPairs.map(([k, v]) => `${k}=${v}`)],
      user: st.config.User ?? '',
      workingDir: st.config.WorkingDir ?? '',
      networkMode: this.opts.networkMode,
    });
    this.opts.out(` ---> Running in ${short(cid)}\n`);
    let code: number;
    try {
      code = await this.ports.runStep(cid, (chunk) => this.opts.out(chunk.toString('utf8')), this.opts.signal);
    } catch (e) {
      if (this.opts.forceRemove) await this.ports.removeStep(cid).catch(() => undefined);
      throw e;
    }
    if (code !== 0) {
      if (this.opts.forceRemove) await this.ports.removeStep(cid).catch(() => undefined);
      throw new BuildStepError(`The command '${cmd.join(' ')}' returned a non-zero code: ${code}`, code);
    }
    const img = await this.ports.commitStep(cid, st.config, createdBy);
    if (this.opts.remove || this.opts.forceRemove) {
      this.opts.out(`Removing intermediate container ${short(cid)}\n`);
      await this.ports.removeStep(cid);
    }
    await this.done(st, img, key);
  }

  private async workdir(st: StageState, dir: string): Promise<void> {
    const abs = path.posix.resolve('/', st.config.WorkingDir || '/', dir);
    st.config.WorkingDir = abs;
    const createdBy = `/bin/sh -c #(nop) WORKDIR ${abs}`;
    // Docker makes the directory when it is missing, as a layer of its own
    if (!st.image || st.image.layers === 0) return this.metadata(st, createdBy);
    const key = hash('workdir', st.image.id, abs, JSON.stringify(st.config));
    const hit = await this.cached(key);
    if (hit) return this.done(st, hit, key);
    const cid = await this.ports.createStep(st.image.id, { cmd: ['/bin/sh', '-c', `#(nop) WORKDIR ${abs}`], env: st.config.Env ?? [], user: '', workingDir: '/', networkMode: 'none' });
    try {
      if ((await this.ports.isDirectory(cid, abs)) === undefined) {
        const staging = await fs.mkdtemp(path.join(this.tmp, 'workdir-'));
        try {
          await fs.mkdir(path.join(staging, abs), { recursive: true, mode: 0o755 });
          await this.ports.putArchive(cid, packTree({ hostPathOf: (p) => path.join(staging, p), adjust: (p) => (p === '/' ? { skip: true } : undefined) }, '/', ''));
        } finally {
          await fs.rm(staging, { recursive: true, force: true });
        }
        const img = await this.ports.commitStep(cid, st.config, createdBy);
        return await this.done(st, img, key);
      }
    } finally {
      await this.ports.removeStep(cid).catch(() => undefined);
    }
    return this.metadata(st, createdBy);
  }

  /** COPY/ADD: the sources are laid out as they will land in a host staging dir, then extracted in one go. */
  private async copy(st: StageState, ins: CopyLike, from: string | undefined, verb: 'COPY' | 'ADD'): Promise<void> {
    const staging = await fs.mkdtemp(path.join(this.tmp, 'copy-'));
    const fromDir = from ? await fs.mkdtemp(path.join(this.tmp, 'from-')) : undefined;
    let fetchDir: string | undefined;
    try {
      let dest = ins.dest;
      if (!dest.startsWith('/')) dest = path.posix.join(st.config.WorkingDir || '/', dest) + (dest.endsWith('/') || dest === '.' ? '/' : '');
      const urls = verb === 'ADD' ? ins.sources.filter((x) => /^https?:\/\//i.test(x)) : [];
      if (urls.length && urls.length !== ins.sources.length) throw new InvalidArgumentError('ADD with both URLs and local sources is not supported by Berth: use one ADD for each', 'ADD_MIXED');
      if (urls.length) fetchDir = await fs.mkdtemp(path.join(this.tmp, 'add-'));
      const srcRoot = fromDir ?? fetchDir ?? this.ctxDir;
      const sources = fromDir ? await this.fetchFrom(from!, ins.sources, fromDir) : fetchDir ? await downloadAll(urls, fetchDir, this.opts.signal) : await this.matchContext(ins.sources);
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
        await this.stage(src, undefined, fromDir || fetchDir ? undefined : rel, digest);
      }
      const summary = `${verb} ${from ? `--from=${from} ` : ''}${ins.chown ? `--chown=${ins.chown} ` : ''}${ins.chmod ? `--chmod=${ins.chmod} ` : ''}${verb === 'COPY' ? 'file' : 'multi'}:${digest.digest('hex')} in ${dest} `;
      const createdBy = `/bin/sh -c #(nop) ${summary}`;
      const key = hash('copy', st.image?.id ?? 'scratch', createdBy);
      const hit = await this.cached(key);
      if (hit) return await this.done(st, hit, key);
      const base = st.image && st.image.layers > 0 ? st.image : undefined;
      const cid = base ? await this.ports.createStep(base.id, { cmd: ['/bin/sh', '-c', `#(nop) ${verb}`], env: st.config.Env ?? [], user: '', workingDir: '/', networkMode: 'none' }) : undefined;
      try {
        const destExistsAsDir = !destIsDir && cid ? (await this.ports.isDirectory(cid, dest)) === true : false;
        for (const rel of sources) {
          const src = path.join(srcRoot, rel);
          if (kinds.get(rel) === 'archive') {
            await extractArchiveInto(src, path.join(staging, dest));
            continue;
          }
          const target = kinds.get(rel) === 'dir' ? dest : destIsDir || destExistsAsDir ? path.posix.join(dest, path.basename(rel)) : dest;
          await this.stage(src, path.join(staging, target), fromDir || fetchDir ? undefined : rel);
        }
        const owner = ins.chown ? (cid ? await this.ports.resolveOwner(cid, ins.chown) : numericOwner(ins.chown)) : { uid: 0, gid: 0 };
        // the destination's own ancestors keep what the image has; a scratch layer needs them as entries
        const ancestors = new Set<string>();
        for (let p = path.posix.dirname(dest.replace(/\/+$/, '') || '/'); p !== '/'; p = path.posix.dirname(p)) ancestors.add(p);
        if (destIsDir || destExistsAsDir) ancestors.add(dest.replace(/\/+$/, ''));
        const tar = packTree({
          hostPathOf: (p) => path.join(staging, p),
          adjust: (p, s, h) => {
            if (p === '/') return { skip: true };
            if (cid && ancestors.has(p)) return { skip: true };
            h.uid = owner.uid;
            h.gid = owner.gid;
            if (mode !== undefined && !s.isSymbolicLink()) h.mode = mode;
            return undefined;
          },
        }, '/', '');
        const img = cid ? (await this.ports.putArchive(cid, tar), await this.ports.commitStep(cid, st.config, createdBy)) : await this.ports.commitImage(st.image?.id, tar, st.config, createdBy, st.author);
        await this.done(st, img, key);
      } finally {
        if (cid) await this.ports.removeStep(cid).catch(() => undefined);
      }
    } finally {
      await fs.rm(staging, { recursive: true, force: true });
      if (fromDir) await fs.rm(fromDir, { recursive: true, force: true });
      if (fetchDir) await fs.rm(fetchDir, { recursive: true, force: true });
    }
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
  private async fetchFrom(from: string, sources: string[], into: string): Promise<string[]> {
    const stage = /^\d+$/.test(from) ? this.stages[Number(from)] : this.stages.find((s) => s.name?.toLowerCase() === from.toLowerCase());
    if (/^\d+$/.test(from) && !stage) throw new InvalidArgumentError(`invalid from flag value ${from}: index out of bounds`, 'BAD_FROM');
    const image = stage ? stage.image : await this.baseImage(from);
    if (!image || image.layers === 0) throw new InvalidArgumentError(`COPY --from=${from}: the stage has no filesystem`, 'BAD_FROM');
    const cid = await this.ports.createStep(image.id, { cmd: ['/bin/sh', '-c', '#(nop) COPY --from'], env: [], user: '', workingDir: '/', networkMode: 'none' });
    try {
      const out: string[] = [];
      for (const [i, src] of sources.entries()) {
        const dir = path.join(into, String(i));
        await fs.mkdir(dir);
        const tar = await this.ports.getArchive(cid, src).catch((e: unknown) => {
          if (e instanceof NotFoundError) throw new NotFoundError('file', src, `COPY failed: stat ${src}: file does not exist`);
          throw e;
        });
        await extractTar(tar, dir);
        const [name] = await fs.readdir(dir);
        if (name === undefined) throw new NotFoundError('file', src, `COPY failed: stat ${src}: file does not exist`);
        out.push(`${i}/${name}`);
      }
      return out;
    } finally {
      await this.ports.removeStep(cid).catch(() => undefined);
    }
  }

  /**
   * Copies `src` (a file, link or tree) to `dest` on the host, leaving out what .dockerignore excludes;
   * with `digest` and no `dest`, only hashes what would be copied (names, modes, link targets, contents).
   */
  private async stage(src: string, dest: string | undefined, ctxRel: string | undefined, digest?: ReturnType<typeof createHash>): Promise<void> {
    const walk = async (from: string, to: string | undefined, rel: string | undefined): Promise<void> => {
      const s = await fs.lstat(from);
      digest?.update(`${path.relative(src, from)}\0${s.mode}\0`);
      if (s.isDirectory()) {
        if (to) {
          await fs.mkdir(to, { recursive: true });
          await fs.chmod(to, s.mode & 0o7777);
        }
        for (const name of (await fs.readdir(from)).sort()) {
          const childRel = rel === undefined ? undefined : rel === '.' ? name : `${rel}/${name}`;
          const childTo = to && path.join(to, name);
          if (childRel !== undefined && this.ignore.ignores(childRel)) {
            // an excluded directory can still hold what a `!pattern` brings back
            if ((await fs.lstat(path.join(from, name))).isDirectory() && this.ignore.mayIncludeUnder(childRel)) await walkExcluded(path.join(from, name), childTo, childRel);
            continue;
          }
          await walk(path.join(from, name), childTo, childRel);
        }
        if (to) await fs.utimes(to, s.atime, s.mtime);
        return;
      }
      if (s.isSymbolicLink()) {
        const target = await fs.readlink(from);
        digest?.update(target);
        if (to) {
          await fs.mkdir(path.dirname(to), { recursive: true });
          await fs.rm(to, { recursive: true, force: true });
          await fs.symlink(target, to);
        }
        return;
      }
      if (!s.isFile()) return; // devices and sockets have no place in a build context
      if (digest) digest.update(await fileDigest(from));
      if (!to) return;
      await fs.mkdir(path.dirname(to), { recursive: true });
      await fs.rm(to, { recursive: true, force: true });
      await fs.copyFile(from, to);
      await fs.chmod(to, s.mode & 0o7777);
      await fs.utimes(to, s.atime, s.mtime);
    };
    const walkExcluded = async (from: string, to: string | undefined, rel: string): Promise<void> => {
      for (const name of (await fs.readdir(from)).sort()) {
        const childRel = `${rel}/${name}`;
        const childTo = to && path.join(to, name);
        const isDir = (await fs.lstat(path.join(from, name))).isDirectory();
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
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
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

/** ADD <url>: each file fetched into `into/<i>/<name from the URL path>`, 0600 and dated by Last-Modified, as Docker leaves it. */
async function downloadAll(urls: string[], into: string, signal?: AbortSignal): Promise<string[]> {
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
    const modified = Date.parse(res.headers.get('last-modified') ?? '');
    if (!Number.isNaN(modified)) await fs.utimes(file, new Date(modified), new Date(modified));
    out.push(`${i}/${name}`);
  }
  return out;
}

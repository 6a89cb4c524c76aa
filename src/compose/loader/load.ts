/**
 * Loads a Compose project the way `docker compose config` does: find the files,
 * read .env, settle the project name, interpolate, validate each file against the
 * compose-spec schema, resolve `extends`, merge the files, apply profiles,
 * normalize, and check that the project hangs together.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import { parseDotenv, DotenvError } from './dotenv';
import { ComposeFileError } from './errors';
import { interpolate, InterpolationError, type Lookup, type SubstituteOptions } from './interpolate';
import { mergeDocuments, mergeService } from './merge';
import type { ComposeProject, ServiceConfig } from './model';
import { hostPath, isRemoteContext, normalizeFileObject, normalizeNetwork, normalizeService, normalizeVolume, type NormalizeContext } from './normalize';
import { schemaError } from './schema';
import { COMPOSE_TAGS, OverrideTag, ResetTag, isMapping, stripTags } from './yaml-tags';

export { ComposeFileError } from './errors';

type Dict = Record<string, unknown>;

export interface LoadOptions {
  /** Compose files, merged in order; relative to workingDir (or the current directory). */
  files?: string[];
  /** The project directory; defaults to the first file's directory, else the current directory. */
  workingDir?: string;
  projectName?: string;
  /** The process environment; defaults to process.env. It wins over the project's .env. */
  env?: Record<string, string>;
  /** Active profiles; defaults to COMPOSE_PROFILES. */
  profiles?: string[];
  /** Check references between services, networks and volumes (default true); upstream's full example skips it. */
  consistency?: boolean;
  /** Told about each unset variable that interpolates to "". */
  onWarning?: (message: string) => void;
}

export const DEFAULT_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];

/** compose's normalization: lowercase, only [a-z0-9_-], starting with a letter or digit. */
export function normalizeProjectName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_-]/g, '').replace(/^[^a-z0-9]+/, '');
}

function overrideOf(file: string): string | undefined {
  const ext = path.extname(file);
  const candidate = file.slice(0, -ext.length) + '.override' + ext;
  return existsSync(candidate) ? candidate : undefined;
}

function findDefaultFiles(dir: string): string[] {
  const found = DEFAULT_FILES.map((f) => path.join(dir, f)).filter((f) => existsSync(f));
  if (found.length === 0) throw new ComposeFileError(`no configuration file provided: not found`);
  const main = found[0];
  const override = overrideOf(main);
  return override ? [main, override] : [main];
}

function readYaml(file: string): Dict {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ComposeFileError(`open ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
  }
  const doc = parseDocument(text, { merge: true, customTags: COMPOSE_TAGS, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) throw new ComposeFileError(`${file}: ${doc.errors[0].message}`);
  const value: unknown = doc.toJS({ maxAliasCount: 10000 });
  if (value === null || value === undefined) throw new ComposeFileError(`${file}: empty compose file`);
  if (!isMapping(value)) throw new ComposeFileError(`${file}: Top-level object must be a mapping`);
  return value;
}

/** interpolate() over a document that may hold !override/!reset markers. */
function interpolateDoc(v: unknown, lookup: Lookup, opts: SubstituteOptions, at: string): unknown {
  if (v instanceof OverrideTag) return new OverrideTag(interpolateDoc(v.value, lookup, opts, at));
  if (v instanceof ResetTag) return v;
  if (Array.isArray(v)) return v.map((x, i) => interpolateDoc(x, lookup, opts, `${at}[${i}]`));
  if (isMapping(v)) {
    const out: Dict = {};
    for (const [k, x] of Object.entries(v)) out[k] = interpolateDoc(x, lookup, opts, at ? `${at}.${k}` : k);
    return out;
  }
  return interpolate(v, lookup, opts, at);
}

interface Loaded {
  file: string;
  /** Interpolated, with !reset/!override markers kept for merging. */
  doc: Dict;
}

class Loader {
  private readonly cache = new Map<string, Loaded>();
  constructor(
    private readonly lookup: Lookup,
    private readonly warn: (m: string) => void,
    private readonly home: string,
  ) {}

  /** Reads, interpolates and validates one file, then resolves the extends of its services. */
  load(file: string): Loaded {
    const cached = this.cache.get(file);
    if (cached) return cached;
    const raw = readYaml(file);
    let doc: Dict;
    try {
      doc = interpolateDoc(raw, this.lookup, { onMissing: (n) => this.warn(`The "${n}" variable is not set. Defaulting to a blank string.`) }, '') as Dict;
    } catch (e) {
      if (e instanceof InterpolationError) throw new ComposeFileError(`${file}: ${e.message}`);
      throw e;
    }
    const problem = schemaError(stripTags(doc));
    if (problem) throw new ComposeFileError(`validating ${file}: ${problem}`);
    const loaded: Loaded = { file, doc };
    this.cache.set(file, loaded);
    if (isMapping(doc.services)) {
      for (const name of Object.keys(doc.services)) this.resolveExtends(loaded, name, []);
    }
    return loaded;
  }

  private resolveExtends(from: Loaded, name: string, chain: string[]): Dict {
    const services = from.doc.services as Dict;
    const svc = isMapping(services[name]) ? (services[name] as Dict) : {};
    const ext = svc.extends;
    if (ext === undefined || ext === null) return svc;
    const resolved = (v: Dict): Dict => {
      services[name] = v;
      return v;
    };
    const spec = typeof ext === 'string' ? { service: ext } : isMapping(ext) ? ext : {};
    const baseName = String(spec.service);
    const baseFile = spec.file === undefined ? from.file : path.resolve(path.dirname(from.file), String(spec.file));
    const key = `${from.file}#${name}`;
    const next = [...chain, key];
    const target = `${baseFile}#${baseName}`;
    if (next.includes(target)) throw new ComposeFileError(`circular reference with extends: ${[...next, target].join(' -> ')}`);
    let base: Dict;
    if (baseFile === from.file) {
      if (!(baseName in services)) throw new ComposeFileError(`cannot extend service "${name}" in ${from.file}: service "${baseName}" not found`);
      base = this.resolveExtends(from, baseName, next);
    } else {
      // The other file is loaded on its own (cached); a base still being resolved there means a cycle.
      const other = this.load(baseFile);
      const otherServices = isMapping(other.doc.services) ? other.doc.services : {};
      if (!(baseName in otherServices)) throw new ComposeFileError(`cannot extend service "${name}" in ${from.file}: service "${baseName}" not found in ${baseFile}`);
      // Paths in another file are relative to that file, not to the project.
      base = rebasePaths(this.resolveExtends(other, baseName, next), path.dirname(baseFile), this.home);
    }
    const { extends: _done, ...own } = svc;
    return resolved(mergeService(name, base, own));
  }
}

/** Makes the relative host paths of a service from another file absolute against that file's directory. */
function rebasePaths(svc: Dict, dir: string, home: string): Dict {
  const out: Dict = { ...svc };
  const abs = (p: unknown): string => hostPath(String(p), dir, home);
  if (typeof out.build === 'string') out.build = isRemoteContext(out.build) ? out.build : abs(out.build);
  else if (isMapping(out.build)) {
    const ctx = out.build.context === undefined ? '.' : String(out.build.context);
    out.build = { ...out.build, context: isRemoteContext(ctx) ? ctx : abs(ctx) };
  }
  for (const k of ['env_file', 'label_file']) {
    const v = out[k];
    if (v === undefined || v === null) continue;
    const list = Array.isArray(v) ? v : [v];
    out[k] = list.map((e) => (isMapping(e) ? { ...e, path: abs(e.path) } : abs(e)));
  }
  if (Array.isArray(out.volumes)) {
    out.volumes = out.volumes.map((v) => {
      if (isMapping(v)) return v.type === 'bind' && v.source !== undefined ? { ...v, source: abs(v.source) } : v;
      const parts = String(v).split(':');
      if (parts.length > 1 && /^[.~]/.test(parts[0])) parts[0] = abs(parts[0]);
      return parts.join(':');
    });
  }
  return out;
}

/** Services named by network_mode/ipc/pid "service:x", volumes_from and links start after x, as compose orders them. */
function addImplicitDependencies(svc: ServiceConfig, known: Set<string>): void {
  const refs: string[] = [];
  for (const mode of [svc.networkMode, svc.ipc, svc.pid]) if (mode?.startsWith('service:')) refs.push(mode.slice('service:'.length));
  for (const v of svc.volumesFrom) if (!v.startsWith('container:')) refs.push(v.split(':')[0]);
  for (const l of svc.links) refs.push(l.split(':')[0]);
  for (const r of refs) {
    if (known.has(r) && !svc.dependsOn[r]) svc.dependsOn[r] = { condition: 'service_started', restart: false, required: true };
  }
}

function checkConsistency(project: ComposeProject, disabled: Record<string, ServiceConfig>): void {
  const bad = (m: string): never => {
    throw new ComposeFileError(`${m}: invalid compose project`);
  };
  for (const [name, s] of Object.entries(project.services)) {
    if (!s.image && !s.build) bad(`service "${name}" has neither an image nor a build context specified`);
    if (s.networkMode && Object.keys(s.networks).length > 0) {
      throw new ComposeFileError(`service ${name} declares mutually exclusive \`network_mode\` and \`networks\``);
    }
    for (const n of Object.keys(s.networks)) if (!project.networks[n]) bad(`service "${name}" refers to undefined network ${n}`);
    for (const v of s.volumes) {
      if (v.type === 'volume' && v.source && !project.volumes[v.source]) bad(`service "${name}" refers to undefined volume ${v.source}`);
    }
    for (const x of s.secrets) if (!project.secrets[x.source]) bad(`service "${name}" refers to undefined secret ${x.source}`);
    for (const x of s.configs) if (!project.configs[x.source]) bad(`service "${name}" refers to undefined config ${x.source}`);
    for (const [dep, d] of Object.entries(s.dependsOn)) {
      if (project.services[dep]) continue;
      if (disabled[dep]) {
        if (d.required) {
          throw new ComposeFileError(`service "${dep}" is required by "${name}" but is disabled. Can be enabled by profiles [${disabled[dep].profiles.join(' ')}]`);
        }
        delete s.dependsOn[dep];
        continue;
      }
      if (d.required) bad(`service "${name}" depends on undefined service "${dep}"`);
      delete s.dependsOn[dep];
    }
    const mode = s.networkMode?.startsWith('service:') ? s.networkMode.slice(8) : undefined;
    if (mode && !project.services[mode]) bad(`service "${name}" refers to undefined service "${mode}" in network_mode`);
  }
  // Dependency cycles, reported along the path that closes them.
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, trail: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      const from = trail.indexOf(name);
      throw new ComposeFileError(`dependency cycle detected: ${[...trail.slice(from), name].join(' -> ')}`);
    }
    state.set(name, 'visiting');
    for (const dep of Object.keys(project.services[name]?.dependsOn ?? {})) visit(dep, [...trail, name]);
    state.set(name, 'done');
  };
  for (const name of Object.keys(project.services)) visit(name, []);
}

export async function loadProject(opts: LoadOptions = {}): Promise<ComposeProject> {
  const processEnv: Record<string, string> = opts.env ?? (Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== undefined)) as Record<string, string>);
  const fromCwd = (f: string): string => path.resolve(opts.workingDir ?? process.cwd(), f);
  const explicitFiles = opts.files?.length ? opts.files.map(fromCwd) : undefined;
  const workingDir = path.resolve(opts.workingDir ?? (explicitFiles ? path.dirname(explicitFiles[0]) : process.cwd()));
  const home = processEnv.HOME ?? os.homedir();

  // .env feeds interpolation and COMPOSE_* settings; the process environment wins over it.
  const dotenvFile = path.join(workingDir, '.env');
  let dotenv: Record<string, string> = {};
  if (existsSync(dotenvFile)) {
    try {
      dotenv = parseDotenv(readFileSync(dotenvFile, 'utf8'), (k) => processEnv[k]);
    } catch (e) {
      if (e instanceof DotenvError) throw new ComposeFileError(`failed to read ${dotenvFile}: ${e.message}`);
      throw e;
    }
  }
  const env: Record<string, string> = { ...dotenv, ...processEnv };

  let files = explicitFiles;
  if (!files && env.COMPOSE_FILE) {
    const sep = env.COMPOSE_PATH_SEPARATOR ?? (process.platform === 'win32' ? ';' : ':');
    files = env.COMPOSE_FILE.split(sep).filter(Boolean).map((f) => path.resolve(workingDir, f));
  }
  files ??= findDefaultFiles(workingDir);

  // The name comes before interpolation so ${COMPOSE_PROJECT_NAME} can be used in the files.
  const lookupEnv: Lookup = (k) => (Object.hasOwn(env, k) ? env[k] : undefined);
  let rawName = opts.projectName ?? env.COMPOSE_PROJECT_NAME;
  if (!rawName) {
    for (const f of files) {
      const n = readYaml(f).name;
      if (n !== undefined && n !== null) {
        try {
          rawName = String(interpolate(String(n), lookupEnv));
        } catch (e) {
          if (e instanceof InterpolationError) throw new ComposeFileError(`${f}: name: ${e.message}`);
          throw e;
        }
      }
    }
  }
  const name = normalizeProjectName(rawName || path.basename(workingDir));
  if (!name) throw new ComposeFileError(`project name ${JSON.stringify(rawName ?? path.basename(workingDir))} must contain at least one letter or digit`);
  if (env.COMPOSE_PROJECT_NAME === undefined) env.COMPOSE_PROJECT_NAME = name;

  const loader = new Loader(lookupEnv, opts.onWarning ?? (() => {}), home);
  const merged = stripTags(mergeDocuments(files.map((f) => loader.load(f).doc))) as Dict;

  const profiles = opts.profiles ?? (env.COMPOSE_PROFILES ? env.COMPOSE_PROFILES.split(',').map((p) => p.trim()).filter(Boolean) : []);
  const ctx: NormalizeContext = { workingDir, lookup: lookupEnv, home, projectName: name };
  const services: Record<string, ServiceConfig> = {};
  const disabledServices: Record<string, ServiceConfig> = {};
  const rawServices = isMapping(merged.services) ? merged.services : {};
  for (const [n, raw] of Object.entries(rawServices)) {
    const svc = normalizeService(n, isMapping(raw) ? raw : {}, ctx);
    const enabled = svc.profiles.length === 0 || profiles.includes('*') || svc.profiles.some((p) => profiles.includes(p));
    (enabled ? services : disabledServices)[n] = svc;
  }
  const known = new Set(Object.keys(rawServices));
  for (const s of [...Object.values(services), ...Object.values(disabledServices)]) addImplicitDependencies(s, known);

  const project: ComposeProject = {
    name,
    workingDir,
    services,
    networks: {},
    volumes: {},
    secrets: {},
    configs: {},
    disabledServices,
    composeFiles: files,
    environment: env,
  };
  for (const [k, v] of Object.entries(isMapping(merged.networks) ? merged.networks : {})) project.networks[k] = normalizeNetwork(k, v, ctx);
  // The implied default network exists only when a service is on it.
  if (!project.networks.default && Object.values(services).some((s) => 'default' in s.networks)) {
    project.networks.default = normalizeNetwork('default', null, ctx);
  }
  for (const [k, v] of Object.entries(isMapping(merged.volumes) ? merged.volumes : {})) project.volumes[k] = normalizeVolume(k, v, ctx);
  for (const [k, v] of Object.entries(isMapping(merged.secrets) ? merged.secrets : {})) project.secrets[k] = normalizeFileObject('secret', k, v, ctx);
  for (const [k, v] of Object.entries(isMapping(merged.configs) ? merged.configs : {})) project.configs[k] = normalizeFileObject('config', k, v, ctx);

  if (opts.consistency !== false) checkConsistency(project, disabledServices);
  return project;
}

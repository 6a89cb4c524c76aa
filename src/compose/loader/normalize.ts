/** Raw (merged, validated) service definitions -> the typed model. */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseDotenv, DotenvError } from './dotenv';
import { ComposeFileError } from './errors';
import type { Lookup } from './interpolate';
import { keyValueMap } from './merge';
import type {
  BuildConfig, DependsOnConfig, FileObjectConfig, HealthcheckConfig, NetworkConfig, ServiceConfig, ServiceFileRef, ServiceNetworkConfig, ServiceVolumeConfig, VolumeConfig,
} from './model';
import { parseBytes, parseDuration, parsePort, shellSplit, toBool, toInt } from './parse';
import { isMapping } from './yaml-tags';

type Dict = Record<string, unknown>;

export interface NormalizeContext {
  workingDir: string;
  /** The project environment (process env over .env), for env_file interpolation and null environment values. */
  lookup: Lookup;
  home: string;
  projectName: string;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : String(v));
const optStr = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : str(v));
const strList = (v: unknown): string[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v.map(str) : [str(v)]);

/** Remote build contexts (git URLs, tarball URLs) are kept as written. */
export function isRemoteContext(s: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(s) || s.startsWith('git@') || s.startsWith('github.com/');
}

/** A host path from the file: `~` is the home directory, relative paths are from `base`. */
export function hostPath(p: string, base: string, home: string): string {
  if (p === '~') return home;
  if (p.startsWith('~/')) return path.join(home, p.slice(2));
  return path.resolve(base, p);
}

/** Values of a list-or-mapping of strings: null becomes "" (labels, args without a value). */
function stringMap(v: unknown, nullAs?: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(keyValueMap(v))) {
    if (x === null || x === undefined) {
      if (nullAs !== undefined) out[k] = nullAs;
    } else out[k] = str(x);
  }
  return out;
}

function readEnvFile(file: string, lookup: Lookup, what: string): Record<string, string> {
  try {
    return parseDotenv(readFileSync(file, 'utf8'), lookup);
  } catch (e) {
    if (e instanceof DotenvError) throw new ComposeFileError(`${what}: failed to read ${file}: ${e.message}`);
    throw e;
  }
}

/** env_file / label_file entries: a path, a list of paths, or { path, required }. */
function envFileEntries(v: unknown, base: string, home: string): { path: string; required: boolean }[] {
  const list = v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
  return list.map((e) =>
    isMapping(e)
      ? { path: hostPath(str(e.path), base, home), required: e.required === undefined ? true : toBool(e.required, 'env_file.required') }
      : { path: hostPath(str(e), base, home), required: true },
  );
}

function command(v: unknown): string[] | null | undefined {
  if (v === undefined) return undefined;
  if (v === null) return null;
  return Array.isArray(v) ? v.map(str) : shellSplit(str(v));
}

function build(v: unknown, ctx: NormalizeContext, what: string): BuildConfig {
  const b: Dict = typeof v === 'string' ? { context: v } : isMapping(v) ? v : {};
  const context = b.context === undefined ? '.' : str(b.context);
  const args: Record<string, string> = {};
  // An arg without a value comes from the environment, and is left out when that has none either.
  for (const [k, x] of Object.entries(keyValueMap(b.args))) {
    const val = x === null || x === undefined ? ctx.lookup(k) : str(x);
    if (val !== undefined) args[k] = val;
  }
  const out: BuildConfig = {
    context: isRemoteContext(context) ? context : hostPath(context, ctx.workingDir, ctx.home),
    dockerfile: b.dockerfile === undefined ? 'Dockerfile' : str(b.dockerfile),
    args,
    labels: stringMap(b.labels, ''),
  };
  if (b.dockerfile_inline !== undefined) out.dockerfileInline = str(b.dockerfile_inline);
  if (b.target !== undefined) out.target = str(b.target);
  if (b.tags !== undefined) out.tags = strList(b.tags);
  if (b.no_cache !== undefined) out.noCache = toBool(b.no_cache, `${what}.build.no_cache`);
  return out;
}

const VOLUME_MODES = new Set(['ro', 'rw', 'z', 'Z', 'nocopy', 'cached', 'delegated', 'consistent', 'shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate']);

function volume(v: unknown, ctx: NormalizeContext, what: string): ServiceVolumeConfig {
  if (isMapping(v)) {
    const type = str(v.type);
    if (type !== 'volume' && type !== 'bind' && type !== 'tmpfs') throw new ComposeFileError(`${what}: volume type ${JSON.stringify(type)} is not supported`);
    if (v.target === undefined) throw new ComposeFileError(`${what}: a ${type} mount needs a target`);
    const out: ServiceVolumeConfig = { type, target: str(v.target), readOnly: v.read_only === undefined ? false : toBool(v.read_only, `${what}.read_only`) };
    if (v.source !== undefined && v.source !== null && v.source !== '') {
      out.source = type === 'bind' ? hostPath(str(v.source), ctx.workingDir, ctx.home) : str(v.source);
    }
    if (type === 'bind' && isMapping(v.bind) && v.bind.create_host_path !== undefined) {
      out.createHostPath = toBool(v.bind.create_host_path, `${what}.bind.create_host_path`);
    }
    if (type === 'volume' && isMapping(v.volume) && v.volume.nocopy !== undefined) out.nocopy = toBool(v.volume.nocopy, `${what}.volume.nocopy`);
    if (type === 'tmpfs' && isMapping(v.tmpfs) && v.tmpfs.size !== undefined) out.tmpfsSize = parseBytes(v.tmpfs.size, `${what}.tmpfs.size`);
    return out;
  }
  const spec = str(v);
  const parts = spec.split(':');
  if (parts.length === 1) return { type: 'volume', target: spec, readOnly: false };
  if (parts.length > 3) throw new ComposeFileError(`${what}: invalid volume specification ${JSON.stringify(spec)}`);
  const [source, target, mode = ''] = parts;
  const modes = mode ? mode.split(',') : [];
  for (const m of modes) if (!VOLUME_MODES.has(m)) throw new ComposeFileError(`${what}: invalid mode ${JSON.stringify(m)} in ${JSON.stringify(spec)}`);
  // compose tells a path from a volume name by its first character.
  const isPath = /^[./~]/.test(source);
  const out: ServiceVolumeConfig = isPath
    ? { type: 'bind', source: hostPath(source, ctx.workingDir, ctx.home), target, readOnly: modes.includes('ro'), createHostPath: true }
    : { type: 'volume', source, target, readOnly: modes.includes('ro') };
  if (!isPath && modes.includes('nocopy')) out.nocopy = true;
  return out;
}

function networks(v: unknown): Record<string, ServiceNetworkConfig | null> {
  const out: Record<string, ServiceNetworkConfig | null> = {};
  if (Array.isArray(v)) {
    for (const n of v) out[str(n)] = null;
    return out;
  }
  for (const [k, x] of Object.entries(isMapping(v) ? v : {})) {
    if (!isMapping(x)) {
      out[k] = null;
      continue;
    }
    const n: ServiceNetworkConfig = { aliases: strList(x.aliases) };
    if (x.ipv4_address !== undefined) n.ipv4Address = str(x.ipv4_address);
    if (x.ipv6_address !== undefined) n.ipv6Address = str(x.ipv6_address);
    out[k] = n;
  }
  return out;
}

const CONDITIONS = new Set(['service_started', 'service_healthy', 'service_completed_successfully']);

function dependsOn(v: unknown, what: string): Record<string, DependsOnConfig> {
  const out: Record<string, DependsOnConfig> = {};
  if (Array.isArray(v)) {
    for (const n of v) out[str(n)] = { condition: 'service_started', restart: false, required: true };
    return out;
  }
  for (const [k, x] of Object.entries(isMapping(v) ? v : {})) {
    const d = isMapping(x) ? x : {};
    const condition = d.condition === undefined ? 'service_started' : str(d.condition);
    if (!CONDITIONS.has(condition)) throw new ComposeFileError(`${what}.depends_on.${k}.condition: invalid condition ${JSON.stringify(condition)}`);
    out[k] = {
      condition: condition as DependsOnConfig['condition'],
      restart: d.restart === undefined ? false : toBool(d.restart, `${what}.depends_on.${k}.restart`),
      required: d.required === undefined ? true : toBool(d.required, `${what}.depends_on.${k}.required`),
    };
  }
  return out;
}

function healthcheck(v: Dict, what: string): HealthcheckConfig {
  const out: HealthcheckConfig = {};
  if (v.test !== undefined) out.test = typeof v.test === 'string' ? ['CMD-SHELL', v.test] : strList(v.test);
  const dur = (k: string): number | undefined => (v[k] === undefined ? undefined : parseDuration(v[k], `${what}.healthcheck.${k}`));
  const interval = dur('interval');
  const timeout = dur('timeout');
  const startPeriod = dur('start_period');
  const startInterval = dur('start_interval');
  if (interval !== undefined) out.intervalNs = interval;
  if (timeout !== undefined) out.timeoutNs = timeout;
  if (startPeriod !== undefined) out.startPeriodNs = startPeriod;
  if (startInterval !== undefined) out.startIntervalNs = startInterval;
  if (v.retries !== undefined) out.retries = toInt(v.retries, `${what}.healthcheck.retries`);
  if ((v.disable !== undefined && toBool(v.disable, `${what}.healthcheck.disable`)) || out.test?.[0] === 'NONE') out.disable = true;
  return out;
}

/** extra_hosts as the Engine API takes them: "host:ip" (compose accepts host=ip, host:ip, or a mapping). */
function extraHosts(v: unknown): string[] {
  if (isMapping(v)) return Object.entries(v).flatMap(([h, ip]) => strList(ip).map((i) => `${h}:${i}`));
  return strList(v).map((e) => {
    const eq = e.indexOf('=');
    return eq >= 0 ? `${e.slice(0, eq)}:${e.slice(eq + 1)}` : e;
  });
}

function ulimits(v: unknown, what: string): Record<string, { soft: number; hard: number }> {
  const out: Record<string, { soft: number; hard: number }> = {};
  for (const [k, x] of Object.entries(isMapping(v) ? v : {})) {
    if (isMapping(x)) out[k] = { soft: toInt(x.soft, `${what}.ulimits.${k}.soft`), hard: toInt(x.hard, `${what}.ulimits.${k}.hard`) };
    else out[k] = { soft: toInt(x, `${what}.ulimits.${k}`), hard: toInt(x, `${what}.ulimits.${k}`) };
  }
  return out;
}

/** A file mode as compose reads it: a number is the mode, a string is octal ("0440"). */
function fileMode(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0o7777) return v;
  if (typeof v === 'string' && /^(0o)?[0-7]{1,5}$/.test(v.trim())) return parseInt(v.trim().replace(/^0o/, ''), 8);
  throw new ComposeFileError(`${what}: invalid file mode ${JSON.stringify(v)}`);
}

/** A service's `secrets:`/`configs:`: `- NAME` or `{ source, target, uid, gid, mode }`. */
function fileRefs(v: unknown, what: string): ServiceFileRef[] {
  return (Array.isArray(v) ? v : []).map((e, i) => {
    if (!isMapping(e)) return { source: str(e) };
    const out: ServiceFileRef = { source: str(e.source) };
    if (e.target !== undefined && e.target !== null && e.target !== '') out.target = str(e.target);
    if (e.uid !== undefined && e.uid !== null) out.uid = str(e.uid);
    if (e.gid !== undefined && e.gid !== null) out.gid = str(e.gid);
    if (e.mode !== undefined && e.mode !== null) out.mode = fileMode(e.mode, `${what}[${i}].mode`);
    return out;
  });
}

export function normalizeService(name: string, s: Dict, ctx: NormalizeContext): ServiceConfig {
  const what = `services.${name}`;
  const bool = (k: string): boolean => (s[k] === undefined || s[k] === null ? false : toBool(s[k], `${what}.${k}`));

  const environment: Record<string, string | null> = {};
  const envFiles: string[] = [];
  for (const f of envFileEntries(s.env_file, ctx.workingDir, ctx.home)) {
    if (!existsSync(f.path)) {
      if (f.required) throw new ComposeFileError(`env file ${f.path} not found: stat ${f.path}: no such file or directory`);
      continue;
    }
    Object.assign(environment, readEnvFile(f.path, ctx.lookup, `${what}.env_file`));
    envFiles.push(f.path);
  }
  // A variable named without a value is taken from the project environment when it has one.
  for (const [k, x] of Object.entries(keyValueMap(s.environment))) {
    environment[k] = x === null || x === undefined ? (ctx.lookup(k) ?? null) : str(x);
  }

  const labels: Record<string, string> = {};
  for (const f of envFileEntries(s.label_file, ctx.workingDir, ctx.home)) {
    if (!existsSync(f.path)) throw new ComposeFileError(`label file ${f.path} not found: stat ${f.path}: no such file or directory`);
    Object.assign(labels, readEnvFile(f.path, ctx.lookup, `${what}.label_file`));
  }
  Object.assign(labels, stringMap(s.labels, ''));

  const deploy = isMapping(s.deploy) ? s.deploy : {};
  const replicas = deploy.replicas === undefined || deploy.replicas === null ? undefined : toInt(deploy.replicas, `${what}.deploy.replicas`);
  const scaleKey = s.scale === undefined || s.scale === null ? undefined : toInt(s.scale, `${what}.scale`);
  if (replicas !== undefined && scaleKey !== undefined && replicas !== scaleKey) {
    throw new ComposeFileError(`services.${name}: can't set distinct values on 'scale' and 'deploy.replicas'`);
  }

  const networkMode = optStr(s.network_mode);
  const svc: ServiceConfig = {
    name,
    environment,
    envFiles,
    ports: (Array.isArray(s.ports) ? s.ports : []).flatMap((p, i) => parsePort(p, `${what}.ports[${i}]`)),
    expose: strList(s.expose),
    volumes: (Array.isArray(s.volumes) ? s.volumes : []).map((v, i) => volume(v, ctx, `${what}.volumes[${i}]`)),
    networks: s.networks === undefined || s.networks === null ? (networkMode ? {} : { default: null }) : networks(s.networks),
    dependsOn: dependsOn(s.depends_on, what),
    labels,
    tty: bool('tty'),
    stdinOpen: bool('stdin_open'),
    privileged: bool('privileged'),
    readOnly: bool('read_only'),
    capAdd: strList(s.cap_add),
    capDrop: strList(s.cap_drop),
    dns: strList(s.dns),
    dnsSearch: strList(s.dns_search),
    extraHosts: extraHosts(s.extra_hosts),
    tmpfs: strList(s.tmpfs),
    securityOpt: strList(s.security_opt),
    sysctls: stringMap(s.sysctls, ''),
    ulimits: ulimits(s.ulimits, what),
    links: strList(s.links),
    volumesFrom: strList(s.volumes_from),
    scale: replicas ?? scaleKey ?? 1,
    profiles: strList(s.profiles),
    secrets: fileRefs(s.secrets, `${what}.secrets`),
    configs: fileRefs(s.configs, `${what}.configs`),
  };
  const set = <K extends keyof ServiceConfig>(k: K, v: ServiceConfig[K] | undefined): void => {
    if (v !== undefined) svc[k] = v;
  };
  set('image', optStr(s.image));
  if (s.build !== undefined && s.build !== null) svc.build = build(s.build, ctx, what);
  set('command', command(s.command));
  set('entrypoint', command(s.entrypoint));
  set('networkMode', networkMode);
  if (isMapping(s.healthcheck)) svc.healthcheck = healthcheck(s.healthcheck, what);
  set('restart', optStr(s.restart));
  set('containerName', optStr(s.container_name));
  set('hostname', optStr(s.hostname));
  set('domainname', optStr(s.domainname));
  set('user', optStr(s.user));
  set('workingDir', optStr(s.working_dir));
  if (s.init !== undefined && s.init !== null) svc.init = toBool(s.init, `${what}.init`);
  set('ipc', optStr(s.ipc));
  set('pid', optStr(s.pid));
  if (isMapping(s.logging)) svc.logging = { ...(s.logging.driver !== undefined ? { driver: str(s.logging.driver) } : {}), options: stringMap(s.logging.options, '') };
  set('stopSignal', optStr(s.stop_signal));
  if (s.stop_grace_period !== undefined) svc.stopGracePeriodNs = parseDuration(s.stop_grace_period, `${what}.stop_grace_period`);
  set('pullPolicy', optStr(s.pull_policy));
  set('platform', optStr(s.platform));
  return svc;
}

/** `external: { name }` is the old spelling of `external: true` + `name:`. */
function externalName(key: string, d: Dict, projectName: string): { name: string; external: boolean } {
  const ext = d.external;
  const external = isMapping(ext) ? true : ext === undefined || ext === null ? false : toBool(ext, `${key}.external`);
  const legacy = isMapping(ext) && ext.name !== undefined ? str(ext.name) : undefined;
  const name = d.name !== undefined && d.name !== null ? str(d.name) : (legacy ?? (external ? key : `${projectName}_${key}`));
  return { name, external };
}

export function normalizeNetwork(key: string, raw: unknown, ctx: NormalizeContext): NetworkConfig {
  const d = isMapping(raw) ? raw : {};
  const out: NetworkConfig = {
    ...externalName(key, d, ctx.projectName),
    driverOpts: stringMap(d.driver_opts),
    internal: d.internal === undefined ? false : toBool(d.internal, `networks.${key}.internal`),
    labels: stringMap(d.labels, ''),
  };
  if (d.driver !== undefined) out.driver = str(d.driver);
  if (d.attachable !== undefined) out.attachable = toBool(d.attachable, `networks.${key}.attachable`);
  if (d.enable_ipv6 !== undefined) out.enableIpv6 = toBool(d.enable_ipv6, `networks.${key}.enable_ipv6`);
  const ipam = isMapping(d.ipam) ? d.ipam : undefined;
  if (ipam && Array.isArray(ipam.config)) {
    out.ipam = ipam.config.map((c) => {
      const m = isMapping(c) ? c : {};
      return {
        ...(m.subnet !== undefined ? { subnet: str(m.subnet) } : {}),
        ...(m.gateway !== undefined ? { gateway: str(m.gateway) } : {}),
        ...(m.ip_range !== undefined ? { ipRange: str(m.ip_range) } : {}),
      };
    });
  }
  return out;
}

export function normalizeVolume(key: string, raw: unknown, ctx: NormalizeContext): VolumeConfig {
  const d = isMapping(raw) ? raw : {};
  const out: VolumeConfig = { ...externalName(key, d, ctx.projectName), driverOpts: stringMap(d.driver_opts), labels: stringMap(d.labels, '') };
  if (d.driver !== undefined) out.driver = str(d.driver);
  return out;
}

/** A top-level secret (`file | environment | external`) or config (also `content`). */
export function normalizeFileObject(kind: 'secret' | 'config', key: string, raw: unknown, ctx: NormalizeContext): FileObjectConfig {
  const d = isMapping(raw) ? raw : {};
  const out: FileObjectConfig = { ...externalName(key, d, ctx.projectName), labels: stringMap(d.labels, '') };
  if (d.file !== undefined && d.file !== null) out.file = hostPath(str(d.file), ctx.workingDir, ctx.home);
  if (d.environment !== undefined && d.environment !== null) out.environment = str(d.environment);
  if (kind === 'config' && d.content !== undefined && d.content !== null) out.content = str(d.content);
  if (!out.external) {
    const sources = [out.file, out.environment, out.content].filter((x) => x !== undefined).length;
    const choices = kind === 'secret' ? '`file` or `environment`' : '`file`, `environment` or `content`';
    if (sources === 0) throw new ComposeFileError(`${kind} "${key}" must declare either ${choices}: invalid compose project`);
    if (sources > 1) throw new ComposeFileError(`${kind} "${key}" must declare only one of ${choices}: invalid compose project`);
  }
  return out;
}

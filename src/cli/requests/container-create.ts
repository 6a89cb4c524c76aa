/**
 * `run`/`create` flags → the POST /containers/create body, field for field as the
 * docker CLI sends it (full zero-valued structs, the same key order). Pure: file
 * reads and the environment come in through `CreateContext`.
 */
import type { ContainerCreateRequest, HostConfig, MountSpec, Ulimit, HealthConfig, JsonObject } from '../../client/wire-types';
import type { ContainerFlags } from './container-flags';
import { parsePortSpecs } from './port-specs';
import { parseGoDurationNs, parseRamBytes } from '../output/humanize';

export interface CreateContext {
  env: NodeJS.ProcessEnv;
  readFile: (path: string) => string;
  /** [rows, cols] of the terminal for -t, else [0, 0] */
  consoleSize: [number, number];
  /** `run -d` (create never attaches, but still sets AttachStdout/Stderr like docker) */
  detach: boolean;
}

export interface CreateRequest {
  body: ContainerCreateRequest;
  name: string | undefined;
  platform: string | undefined;
}

export class FlagValueError extends Error {}

/** KEY=VAL lines; `#` comments and blank lines skipped; a bare KEY takes the caller's value if set. */
export function parseEnvLines(text: string, env: NodeJS.ProcessEnv, keepBare: boolean): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/^\s+/, '');
    if (!line || line.startsWith('#')) continue;
    if (line.includes('=')) out.push(line);
    else if (env[line] !== undefined) out.push(`${line}=${env[line]}`);
    else if (keepBare) out.push(line);
  }
  return out;
}

function resolveEnvFlag(v: string, env: NodeJS.ProcessEnv): string {
  if (v.includes('=')) return v;
  return env[v] !== undefined ? `${v}=${env[v]}` : v;
}

function parseLabels(labels: string[], files: string[], ctx: CreateContext): Record<string, string> {
  const all = [...files.flatMap((f) => parseEnvLines(ctx.readFile(f), {}, true)), ...labels];
  const out: Record<string, string> = {};
  for (const l of all) {
    const i = l.indexOf('=');
    if (i < 0) out[l] = '';
    else out[l.slice(0, i)] = l.slice(i + 1);
  }
  return out;
}

export function parseRestartPolicy(v: string | undefined): { Name: string; MaximumRetryCount: number } {
  if (!v || v === 'no') return { Name: 'no', MaximumRetryCount: 0 };
  const [name, count] = v.split(':');
  if (!['always', 'unless-stopped', 'on-failure', 'no'].includes(name!)) throw new FlagValueError(`invalid restart policy '${v}'`);
  if (count !== undefined && name !== 'on-failure') throw new FlagValueError(`invalid restart policy format: maximum retry count can only be used with 'on-failure'`);
  return { Name: name!, MaximumRetryCount: count ? Number(count) : 0 };
}

export function parseUlimit(v: string): Ulimit {
  const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(v);
  if (!m) throw new FlagValueError(`invalid ulimit argument: ${v}`);
  const soft = Number(m[2]);
  return { Name: m[1]!, Soft: soft, Hard: m[3] !== undefined ? Number(m[3]) : soft };
}

/** `--mount type=bind,source=/a,target=/b,readonly` (CSV key=value). */
export function parseMount(v: string): MountSpec {
  const m: MountSpec = { Type: 'volume', Target: '' };
  for (const field of v.split(',')) {
    const [k, val] = field.includes('=') ? [field.slice(0, field.indexOf('=')), field.slice(field.indexOf('=') + 1)] : [field, undefined];
    switch (k.toLowerCase()) {
      case 'type':
        m.Type = val ?? '';
        break;
      case 'source':
      case 'src':
        m.Source = val ?? '';
        break;
      case 'target':
      case 'destination':
      case 'dst':
        m.Target = val ?? '';
        break;
      case 'readonly':
      case 'ro':
        m.ReadOnly = val === undefined || val === 'true' || val === '1';
        break;
      case 'tmpfs-size':
        m.TmpfsOptions = { ...m.TmpfsOptions, SizeBytes: parseRamBytes(val ?? '') };
        break;
      case 'tmpfs-mode':
        m.TmpfsOptions = { ...m.TmpfsOptions, Mode: parseInt(val ?? '0', 8) };
        break;
      case 'bind-propagation':
        m.BindOptions = { ...m.BindOptions, Propagation: val };
        break;
      case 'volume-nocopy':
        m.VolumeOptions = { ...m.VolumeOptions, NoCopy: val === undefined || val === 'true' };
        break;
      case 'volume-label':
      case 'volume-opt': {
        // "volume-label=k=v" / "volume-opt=k=v", as docker/cli splits them
        const [key = '', ...rest] = (val ?? '').split('=');
        const vo = { ...m.VolumeOptions };
        if (k.toLowerCase() === 'volume-label') vo.Labels = { ...(vo.Labels as Record<string, string> | undefined), [key]: rest.join('=') };
        else {
          const dc = { ...(vo.DriverConfig as { Name?: string; Options?: Record<string, string> } | undefined) };
          dc.Options = { ...dc.Options, [key]: rest.join('=') };
          vo.DriverConfig = dc;
        }
        m.VolumeOptions = vo;
        break;
      }
      case 'volume-driver':
        m.VolumeOptions = { ...m.VolumeOptions, DriverConfig: { ...(m.VolumeOptions?.DriverConfig as object | undefined), Name: val ?? '' } };
        break;
      default:
        throw new FlagValueError(`unexpected key '${k}' in '${field}'`);
    }
  }
  if (!m.Target) throw new FlagValueError('target is required');
  return m;
}

function durationFlag(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  try {
    return parseGoDurationNs(v);
  } catch (e) {
    throw new FlagValueError((e as Error).message);
  }
}

function ramFlag(v: string | undefined): number {
  if (v === undefined || v === '') return 0;
  try {
    return parseRamBytes(v);
  } catch (e) {
    throw new FlagValueError((e as Error).message);
  }
}

/** Builds the create request. `command` is everything after the image. */
export function buildContainerCreate(image: string, command: string[], f: ContainerFlags, ctx: CreateContext): CreateRequest {
  const attach = f.attach.map((a) => a.toLowerCase());
  for (const a of attach) if (!['stdin', 'stdout', 'stderr'].includes(a)) throw new FlagValueError(`valid streams are STDIN, STDOUT and STDERR`);
  const detach = ctx.detach;
  // docker's UsernsMode.Valid(): empty, or "host" (with an optional ":..." the engine ignores)
  if (f.userns && f.userns.split(':')[0] !== 'host') throw new FlagValueError('--userns: invalid USER mode');
  if (detach && attach.length) throw new FlagValueError('conflicting options: cannot specify both --attach and --detach');
  const attachStdin = attach.length ? attach.includes('stdin') : !detach && !!f.interactive;
  const attachStdout = attach.length ? attach.includes('stdout') : !detach;
  const attachStderr = attach.length ? attach.includes('stderr') : !detach;

  const env = [...f.envFile.flatMap((file) => parseEnvLines(ctx.readFile(file), ctx.env, false)), ...f.env.map((e) => resolveEnvFlag(e, ctx.env))];
  const ports = parsePortSpecs(f.publish, f.expose);

  const volumes: Record<string, Record<string, never>> = {};
  const binds: string[] = [];
  for (const v of f.volume) {
    // "/data" alone is an anonymous volume; anything with a source goes to Binds
    if (!v.includes(':')) volumes[v] = {};
    else binds.push(v);
  }
  const tmpfs: Record<string, string> = {};
  for (const t of f.tmpfs) {
    const i = t.indexOf(':');
    if (i < 0) tmpfs[t] = '';
    else tmpfs[t.slice(0, i)] = t.slice(i + 1);
  }
  const logOpts: Record<string, string> = {};
  for (const o of f.logOpt) {
    const i = o.indexOf('=');
    if (i < 0) throw new FlagValueError(`invalid key value pair format in log-opt: ${o}`);
    logOpts[o.slice(0, i)] = o.slice(i + 1);
  }

  let healthcheck: HealthConfig | undefined;
  if (f.noHealthcheck) {
    if (f.healthCmd) throw new FlagValueError('--no-healthcheck conflicts with --health-* options');
    healthcheck = { Test: ['NONE'] };
  } else if (f.healthCmd || f.healthInterval || f.healthTimeout || f.healthStartPeriod || f.healthRetries) {
    healthcheck = {};
    if (f.healthCmd) healthcheck.Test = ['CMD-SHELL', f.healthCmd];
    const interval = durationFlag(f.healthInterval);
    const timeout = durationFlag(f.healthTimeout);
    const start = durationFlag(f.healthStartPeriod);
    if (interval) healthcheck.Interval = interval;
    if (timeout) healthcheck.Timeout = timeout;
    if (start) healthcheck.StartPeriod = start;
    if (f.healthRetries) healthcheck.Retries = f.healthRetries;
  }

  let nanoCpus = 0;
  if (f.cpus) {
    const n = Number(f.cpus);
    if (!Number.isFinite(n) || n < 0) throw new FlagValueError(`invalid argument "${f.cpus}" for "--cpus" flag: failed to parse ${f.cpus} as a rational number`);
    nanoCpus = Math.round(n * 1e9);
  }
  const memorySwap = f.memorySwap === '-1' ? -1 : ramFlag(f.memorySwap);
  const networkMode = f.network || 'default';
  const storageOpt: Record<string, string> = {};
  for (const s of f.storageOpt) {
    const i = s.indexOf('=');
    storageOpt[s.slice(0, i)] = s.slice(i + 1);
  }
  const sysctls: Record<string, string> = {};
  for (const s of f.sysctl) {
    const i = s.indexOf('=');
    if (i < 0) throw new FlagValueError(`sysctl '${s}' is not allowed`);
    sysctls[s.slice(0, i)] = s.slice(i + 1);
  }

  const host: HostConfig = {
    Binds: binds.length ? binds : null,
    ContainerIDFile: f.cidfile ?? '',
    LogConfig: { Type: f.logDriver ?? '', Config: logOpts },
    NetworkMode: networkMode,
    PortBindings: ports.bindings,
    RestartPolicy: parseRestartPolicy(f.restart),
    AutoRemove: !!f.rm,
    VolumeDriver: '',
    VolumesFrom: f.volumesFrom.length ? f.volumesFrom : null,
    ConsoleSize: f.tty ? ctx.consoleSize : [0, 0],
    CapAdd: f.capAdd.length ? f.capAdd : null,
    CapDrop: f.capDrop.length ? f.capDrop : null,
    CgroupnsMode: f.cgroupns ?? '',
    Dns: f.dns,
    DnsOptions: f.dnsOption,
    DnsSearch: f.dnsSearch,
    ExtraHosts: f.addHost.length ? f.addHost.map((h) => (h.includes('=') && !h.includes(':') ? h.replace('=', ':') : h)) : null,
    GroupAdd: f.groupAdd.length ? f.groupAdd : null,
    IpcMode: f.ipc ?? '',
    Cgroup: '',
    Links: f.link.length ? f.link : null,
    OomScoreAdj: f.oomScoreAdj ?? 0,
    PidMode: f.pid ?? '',
    Privileged: !!f.privileged,
    PublishAllPorts: !!f.publishAll,
    ReadonlyRootfs: !!f.readOnly,
    // as the docker CLI: a seccomp profile named by path travels as its content
    SecurityOpt: f.securityOpt.length ? f.securityOpt.map((o) => {
      const m = /^seccomp[=:](.+)$/.exec(o);
      return m && m[1] !== 'unconfined' && m[1] !== 'builtin' ? `seccomp=${ctx.readFile(m[1]!)}` : o;
    }) : null,
    ...(Object.keys(storageOpt).length ? { StorageOpt: storageOpt } : {}),
    ...(f.tmpfs.length ? { Tmpfs: tmpfs } : {}),
    UTSMode: f.uts ?? '',
    UsernsMode: f.userns ?? '',
    ShmSize: ramFlag(f.shmSize),
    ...(Object.keys(sysctls).length ? { Sysctls: sysctls } : {}),
    ...(f.runtime ? { Runtime: f.runtime } : {}),
    Isolation: '',
    CpuShares: f.cpuShares ?? 0,
    Memory: ramFlag(f.memory),
    NanoCpus: nanoCpus,
    CgroupParent: f.cgroupParent ?? '',
    BlkioWeight: 0,
    BlkioWeightDevice: [],
    BlkioDeviceReadBps: [],
    BlkioDeviceWriteBps: [],
    BlkioDeviceReadIOps: [],
    BlkioDeviceWriteIOps: [],
    CpuPeriod: f.cpuPeriod ?? 0,
    CpuQuota: f.cpuQuota ?? 0,
    CpuRealtimePeriod: 0,
    CpuRealtimeRuntime: 0,
    CpusetCpus: f.cpusetCpus ?? '',
    CpusetMems: f.cpusetMems ?? '',
    Devices: f.device.map(parseDevice),
    DeviceCgroupRules: null,
    DeviceRequests: null,
    MemoryReservation: ramFlag(f.memoryReservation),
    MemorySwap: memorySwap,
    MemorySwappiness: f.memorySwappiness ?? -1,
    OomKillDisable: !!f.oomKillDisable,
    PidsLimit: f.pidsLimit ?? 0,
    Ulimits: f.ulimit.map(parseUlimit),
    CpuCount: 0,
    CpuPercent: 0,
    IOMaximumIOps: 0,
    IOMaximumBandwidth: 0,
    ...(f.mount.length ? { Mounts: f.mount.map(parseMount) } : {}),
    MaskedPaths: null,
    ReadonlyPaths: null,
    ...(f.init ? { Init: true } : {}),
  };

  let entrypoint: string[] | null = null;
  if (f.entrypoint !== undefined) entrypoint = [f.entrypoint];

  const body: ContainerCreateRequest = {
    Hostname: f.hostname ?? '',
    Domainname: f.domainname ?? '',
    User: f.user ?? '',
    AttachStdin: attachStdin,
    AttachStdout: attachStdout,
    AttachStderr: attachStderr,
    ...(Object.keys(ports.exposed).length ? { ExposedPorts: ports.exposed } : {}),
    Tty: !!f.tty,
    OpenStdin: !!f.interactive,
    StdinOnce: !!f.interactive && !detach,
    Env: env.length ? env : null,
    Cmd: command.length ? command : null,
    ...(healthcheck ? { Healthcheck: healthcheck } : {}),
    Image: image,
    Volumes: volumes,
    WorkingDir: f.workdir ?? '',
    Entrypoint: entrypoint,
    OnBuild: null,
    Labels: parseLabels(f.label, f.labelFile, ctx),
    ...(f.stopSignal ? { StopSignal: f.stopSignal } : {}),
    ...(f.stopTimeout !== undefined ? { StopTimeout: f.stopTimeout } : {}),
    HostConfig: host,
    NetworkingConfig: { EndpointsConfig: { [networkMode]: endpointConfig(f) } },
  };
  return { body, name: f.name, platform: f.platform };
}

function endpointConfig(f: ContainerFlags): JsonObject {
  return {
    IPAMConfig: f.ip ? { IPv4Address: f.ip } : null,
    Links: null,
    Aliases: f.networkAlias.length ? f.networkAlias : null,
    MacAddress: '',
    DriverOpts: null,
    GwPriority: 0,
    NetworkID: '',
    EndpointID: '',
    Gateway: '',
    IPAddress: '',
    IPPrefixLen: 0,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    DNSNames: null,
  };
}

function parseDevice(v: string): JsonObject {
  const [src, dst, perms] = v.split(':');
  return { PathOnHost: src, PathInContainer: dst || src, CgroupPermissions: perms || 'rwm' };
}

/**
 * A compose service as the Docker API requests that make it: the container
 * create body (with the labels docker compose puts on its containers, so
 * either tool finds the other's), and the network and volume create bodies.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ContainerCreateRequest, HostConfig } from '../protocol/docker/container';
import type { ComposeProject, FileObjectConfig, NetworkConfig, ServiceConfig, ServiceFileRef, VolumeConfig } from './loader/model';

export const LABEL = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  number: 'com.docker.compose.container-number',
  oneoff: 'com.docker.compose.oneoff',
  configHash: 'com.docker.compose.config-hash',
  workingDir: 'com.docker.compose.project.working_dir',
  configFiles: 'com.docker.compose.project.config_files',
  dependsOn: 'com.docker.compose.depends_on',
  image: 'com.docker.compose.image',
  network: 'com.docker.compose.network',
  volume: 'com.docker.compose.volume',
  version: 'com.docker.compose.version',
} as const;

/** The compose version Berth's labels claim (what docker compose v2 reads them as). */
export const COMPOSE_VERSION = '2.29.0';

/** docker compose v2 names: project-service-N. */
export function containerName(project: string, service: ServiceConfig, n: number): string {
  return service.containerName ?? `${project}-${service.name}-${n}`;
}

/** The image a service runs: its `image:`, or what a build of it is tagged. */
export function imageOf(project: string, s: ServiceConfig): string {
  return s.image ?? `${project}-${s.name}`;
}

/** A compose-level failure of a verb, in compose's words (the CLI exits 1 with it). */
export class ComposeError extends Error {}

/** Where a secret is in the container: /run/secrets/<target|source>, an absolute target as it is. */
export function secretTarget(r: ServiceFileRef): string {
  const t = r.target ?? r.source;
  return t.startsWith('/') ? t : `/run/secrets/${t}`;
}

/** Where a config is in the container: /<target|source>, an absolute target as it is. */
export function configTarget(r: ServiceFileRef): string {
  const t = r.target ?? r.source;
  return t.startsWith('/') ? t : `/${t}`;
}

export interface FileRefUse {
  kind: 'secret' | 'config';
  ref: ServiceFileRef;
  def: FileObjectConfig;
  target: string;
}

/** The secrets and configs of a service with their definitions and container paths. */
export function fileRefUses(p: ComposeProject, s: ServiceConfig): FileRefUse[] {
  const out: FileRefUse[] = [];
  for (const [kind, refs, defs, at] of [['secret', s.secrets, p.secrets, secretTarget], ['config', s.configs, p.configs, configTarget]] as const) {
    for (const ref of refs) {
      const def = defs[ref.source];
      if (!def) throw new ComposeError(`service "${s.name}" refers to undefined ${kind} ${ref.source}: invalid compose project`);
      out.push({ kind, ref, def, target: at(ref) });
    }
  }
  return out;
}

/** A file the runner writes into a created container (PUT …/archive) before it starts. */
export interface InjectedFile {
  path: string;
  data: Buffer;
  mode: number;
  uid: number;
  gid: number;
}

/**
 * The value of an `environment`/`content` secret or config, undefined for a file-based one.
 * An unset variable is an error in compose's words.
 */
function inlineValue(p: ComposeProject, u: FileRefUse): string | undefined {
  if (u.def.environment !== undefined) {
    const v = p.environment[u.def.environment];
    if (v === undefined) throw new ComposeError(`environment variable ${JSON.stringify(u.def.environment)} required by file ${JSON.stringify(u.def.name)} is not set`);
    return v;
  }
  return u.def.content;
}

/**
 * How compose v2 gives a container its secrets and configs outside swarm: file-based ones are
 * read-only bind mounts of the file (uid/gid/mode cannot apply to a bind, so they are ignored with
 * compose's warning), environment/content ones are files written into the container before it starts,
 * mode 0444 unless given, owned by uid/gid. External ones exist only in a swarm.
 */
export function fileRefPlan(p: ComposeProject, s: ServiceConfig): { mounts: NonNullable<HostConfig['Mounts']>; files: InjectedFile[]; warnings: string[] } {
  const mounts: NonNullable<HostConfig['Mounts']> = [];
  const files: InjectedFile[] = [];
  const warnings = new Set<string>();
  for (const u of fileRefUses(p, s)) {
    if (u.def.external) throw new ComposeError(`unsupported external ${u.kind} ${u.def.name}`);
    const value = inlineValue(p, u);
    if (value === undefined) {
      if (u.ref.uid !== undefined || u.ref.gid !== undefined || u.ref.mode !== undefined) warnings.add(`${u.kind === 'secret' ? 'secrets' : 'config'} \`uid\`, \`gid\` and \`mode\` are not supported, they will be ignored`);
      mounts.push({ Type: 'bind', Source: u.def.file!, Target: u.target, ReadOnly: true });
      continue;
    }
    const id = (x: string | undefined, what: string): number => {
      if (x === undefined) return 0;
      if (!/^\d+$/.test(x)) throw new ComposeError(`service "${s.name}": ${u.kind} ${u.ref.source}: ${what} ${JSON.stringify(x)} is not a number`);
      return Number(x);
    };
    files.push({ path: u.target, data: Buffer.from(value, 'utf8'), mode: u.ref.mode ?? 0o444, uid: id(u.ref.uid, 'uid'), gid: id(u.ref.gid, 'gid') });
  }
  return { mounts, files, warnings: [...warnings] };
}

/**
 * The hash compose compares to decide whether a container is out of date. What a service's secrets
 * and configs hold counts too: an environment value or inline content is copied in at creation, and a
 * file saved by renaming a new one over it (as editors do) is a new inode the old bind no longer shows.
 */
export function configHash(p: ComposeProject, s: ServiceConfig): string {
  const { scale: _scale, secrets, configs, ...rest } = s;
  void _scale;
  const h = createHash('sha256').update(JSON.stringify(rest));
  // absent when unused, so the hashes of containers made before secrets were supported still match
  if (secrets.length || configs.length) {
    const sources = fileRefUsesLenient(p, s).map((u) => ({ ...u, value: sourceDigest(p, u) }));
    h.update(JSON.stringify({ secrets, configs, sources }));
  }
  return h.digest('hex');
}

/** fileRefUses without the undefined ones (the loader refuses those; the hash need not). */
function fileRefUsesLenient(p: ComposeProject, s: ServiceConfig): FileRefUse[] {
  try {
    return fileRefUses(p, s);
  } catch {
    return [];
  }
}

function sourceDigest(p: ComposeProject, u: FileRefUse): string | undefined {
  let data: string | Buffer | undefined;
  if (u.def.environment !== undefined) data = p.environment[u.def.environment];
  else if (u.def.content !== undefined) data = u.def.content;
  else if (u.def.file !== undefined) {
    try {
      data = readFileSync(u.def.file);
    } catch {
      data = undefined; // missing: the create that follows says so
    }
  }
  return data === undefined ? undefined : createHash('sha256').update(data).digest('hex');
}

/** The network a service joins first goes in the create body; the rest are connected before start. */
export function serviceNetworks(p: ComposeProject, s: ServiceConfig): Array<{ key: string; name: string; aliases: string[]; ipv4Address?: string }> {
  if (s.networkMode) return [];
  return Object.entries(s.networks).map(([key, cfg]) => ({
    key,
    name: p.networks[key]?.name ?? `${p.name}_${key}`,
    // peers reach a service by its name on every network it joins
    aliases: [...new Set([s.name, ...(cfg?.aliases ?? [])])],
    ipv4Address: cfg?.ipv4Address,
  }));
}

export function containerCreateBody(p: ComposeProject, s: ServiceConfig, n: number, opts: { oneoff?: boolean; cmd?: string[] } = {}): ContainerCreateRequest {
  // null: set neither in the file nor in the environment the loader saw, so not set at all
  const env = Object.entries(s.environment).flatMap(([k, v]) => (v === null ? [] : [`${k}=${v}`]));
  const portBindings: NonNullable<HostConfig['PortBindings']> = {};
  const exposed: Record<string, object> = {};
  for (const port of s.ports) {
    const key = `${port.target}/${port.protocol}`;
    exposed[key] = {};
    (portBindings[key] ??= []).push({ HostIp: port.hostIp ?? '', HostPort: port.published ?? '' });
  }
  for (const e of s.expose) exposed[e.includes('/') ? e : `${e}/tcp`] = {};
  const binds: string[] = [];
  const mounts: NonNullable<HostConfig['Mounts']> = [];
  for (const v of s.volumes) {
    if (v.type === 'tmpfs') mounts.push({ Type: 'tmpfs', Target: v.target, ReadOnly: v.readOnly });
    else if (v.type === 'bind') binds.push(`${v.source}:${v.target}${v.readOnly ? ':ro' : ''}`);
    else if (v.source) binds.push(`${p.volumes[v.source]?.name ?? `${p.name}_${v.source}`}:${v.target}${v.readOnly ? ':ro' : ''}`);
    else mounts.push({ Type: 'volume', Target: v.target, ReadOnly: v.readOnly });
  }
  mounts.push(...fileRefPlan(p, s).mounts);
  const nets = serviceNetworks(p, s);
  const first = nets[0];
  const tmpfs: Record<string, string> = {};
  for (const t of s.tmpfs) {
    const i = t.indexOf(':');
    tmpfs[i < 0 ? t : t.slice(0, i)] = i < 0 ? '' : t.slice(i + 1);
  }
  const host: HostConfig = {
    Binds: binds,
    Mounts: mounts,
    PortBindings: portBindings,
    NetworkMode: s.networkMode ?? first?.name ?? 'default',
    RestartPolicy: { Name: s.restart === 'unless-stopped' || s.restart === 'always' ? s.restart : s.restart?.startsWith('on-failure') ? 'on-failure' : 'no', MaximumRetryCount: s.restart?.startsWith('on-failure:') ? Number(s.restart.split(':')[1]) : 0 },
    CapAdd: s.capAdd,
    CapDrop: s.capDrop,
    Dns: s.dns,
    ExtraHosts: s.extraHosts,
    Privileged: s.privileged,
    ReadonlyRootfs: s.readOnly,
    Tmpfs: tmpfs,
  };
  if (s.init !== undefined) (host as HostConfig & { Init?: boolean }).Init = s.init;
  const labels: Record<string, string> = {
    ...s.labels,
    [LABEL.project]: p.name,
    [LABEL.service]: s.name,
    [LABEL.number]: String(n),
    [LABEL.oneoff]: opts.oneoff ? 'True' : 'False',
    [LABEL.configHash]: configHash(p, s),
    [LABEL.workingDir]: p.workingDir,
    [LABEL.image]: imageOf(p.name, s),
    [LABEL.version]: COMPOSE_VERSION,
    [LABEL.dependsOn]: Object.entries(s.dependsOn).map(([d, c]) => `${d}:${c.condition}:${c.restart}`).join(','),
  };
  const body: ContainerCreateRequest = {
    Image: imageOf(p.name, s),
    Env: env,
    Labels: labels,
    Tty: s.tty,
    OpenStdin: s.stdinOpen,
    AttachStdout: true,
    AttachStderr: true,
    ExposedPorts: exposed,
    HostConfig: host,
  };
  if (opts.cmd) body.Cmd = opts.cmd;
  else if (s.command !== undefined) body.Cmd = s.command;
  if (s.entrypoint !== undefined) body.Entrypoint = s.entrypoint === null ? [''] : s.entrypoint;
  if (s.hostname) body.Hostname = s.hostname;
  if (s.user) body.User = s.user;
  if (s.workingDir) body.WorkingDir = s.workingDir;
  if (s.stopSignal) body.StopSignal = s.stopSignal;
  if (s.stopGracePeriodNs !== undefined) body.StopTimeout = Math.round(s.stopGracePeriodNs / 1e9);
  if (s.healthcheck) {
    const h = s.healthcheck;
    body.Healthcheck = h.disable ? { Test: ['NONE'] } : {
      ...(h.test ? { Test: h.test } : {}),
      ...(h.intervalNs ? { Interval: h.intervalNs } : {}),
      ...(h.timeoutNs ? { Timeout: h.timeoutNs } : {}),
      ...(h.startPeriodNs ? { StartPeriod: h.startPeriodNs } : {}),
      ...(h.retries ? { Retries: h.retries } : {}),
    };
  }
  if (first) {
    body.NetworkingConfig = { EndpointsConfig: { [first.name]: { Aliases: first.aliases, ...(first.ipv4Address ? { IPAMConfig: { IPv4Address: first.ipv4Address } } : {}) } } };
  }
  return body;
}

export function networkCreateBody(p: ComposeProject, key: string, n: NetworkConfig): Record<string, unknown> {
  return {
    Name: n.name,
    Driver: n.driver ?? 'bridge',
    Internal: n.internal,
    Options: n.driverOpts,
    Labels: { ...n.labels, [LABEL.project]: p.name, [LABEL.network]: key, [LABEL.version]: COMPOSE_VERSION },
    ...(n.ipam?.length ? { IPAM: { Driver: 'default', Config: n.ipam.map((c) => ({ ...(c.subnet ? { Subnet: c.subnet } : {}), ...(c.gateway ? { Gateway: c.gateway } : {}), ...(c.ipRange ? { IPRange: c.ipRange } : {}) })) } } : {}),
    CheckDuplicate: true,
  };
}

export function volumeCreateBody(p: ComposeProject, key: string, v: VolumeConfig): Record<string, unknown> {
  return {
    Name: v.name,
    Driver: v.driver ?? 'local',
    DriverOpts: v.driverOpts,
    Labels: { ...v.labels, [LABEL.project]: p.name, [LABEL.volume]: key, [LABEL.version]: COMPOSE_VERSION },
  };
}

/**
 * A compose service as the Docker API requests that make it: the container
 * create body (with the labels docker compose puts on its containers, so
 * either tool finds the other's), and the network and volume create bodies.
 */
import { createHash } from 'node:crypto';
import type { ContainerCreateRequest, HostConfig } from '../protocol/docker/container';
import type { ComposeProject, NetworkConfig, ServiceConfig, VolumeConfig } from './loader/model';

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

/** The hash compose compares to decide whether a container is out of date. */
export function configHash(s: ServiceConfig): string {
  const { scale: _scale, ...rest } = s;
  void _scale;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex');
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
    [LABEL.configHash]: configHash(s),
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

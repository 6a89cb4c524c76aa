/**
 * POST /containers/create body → ContainerSpec, once, at the edge. Pure.
 * Accepts full zero-valued CLI bodies and minimal docker-py/dockerode bodies alike;
 * unknown fields are ignored, as dockerd does.
 */
import { InvalidArgumentError } from '../../../base/errors';
import { defaultHostSpec, type ContainerSpec, type HostSpec, type MountSpec } from '../../../container/spec';
import type { ContainerCreateRequest, HostConfig, Mount } from '../../../protocol/docker/container';

/** Docker accepts a string where a list is expected in old clients (Cmd: "sh"). */
function strList(v: string[] | string | null | undefined): string[] | undefined {
  if (v === null || v === undefined) return undefined;
  return typeof v === 'string' ? [v] : v.map(String);
}

const num = (v: number | null | undefined): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

export function translateMount(m: Mount): MountSpec {
  const type = m.Type ?? 'volume';
  if (type !== 'bind' && type !== 'volume' && type !== 'tmpfs') throw new InvalidArgumentError(`mount type unknown: ${type}`, 'INVALID_MOUNT');
  if (!m.Target) throw new InvalidArgumentError('invalid mount config: Target must not be empty', 'INVALID_MOUNT');
  const options: string[] = [];
  if (type === 'tmpfs') {
    if (m.TmpfsOptions?.SizeBytes) options.push(`size=${m.TmpfsOptions.SizeBytes}`);
    if (m.TmpfsOptions?.Mode) options.push(`mode=${m.TmpfsOptions.Mode.toString(8)}`);
  }
  if (type === 'bind' && m.BindOptions?.Propagation) options.push(m.BindOptions.Propagation);
  if (type === 'volume' && m.VolumeOptions?.NoCopy) options.push('nocopy');
  const spec: MountSpec = { type, source: m.Source ?? '', target: m.Target, readOnly: m.ReadOnly === true };
  if (options.length) spec.options = options;
  const vo = type === 'volume' ? m.VolumeOptions : undefined;
  if (vo?.Labels && Object.keys(vo.Labels).length) spec.volumeLabels = { ...vo.Labels };
  if (vo?.DriverConfig?.Name) spec.volumeDriver = vo.DriverConfig.Name;
  if (vo?.DriverConfig?.Options && Object.keys(vo.DriverConfig.Options).length) spec.volumeDriverOptions = { ...vo.DriverConfig.Options };
  return spec;
}

export function translateHostConfig(hc: HostConfig | null | undefined): HostSpec {
  const h = defaultHostSpec();
  if (!hc) return h;
  h.binds = hc.Binds ?? [];
  h.mounts = (hc.Mounts ?? []).map(translateMount);
  h.volumesFrom = hc.VolumesFrom ?? [];
  h.tmpfs = hc.Tmpfs ?? {};
  h.networkMode = hc.NetworkMode || 'default';
  h.portBindings = {};
  for (const [port, list] of Object.entries(hc.PortBindings ?? {})) {
    h.portBindings[port] = (list ?? []).map((b) => ({ hostIp: b.HostIp ?? '', hostPort: b.HostPort ?? '' }));
  }
  h.publishAllPorts = hc.PublishAllPorts === true;
  const rp = hc.RestartPolicy;
  if (rp && rp.Name) {
    if (!['no', 'always', 'unless-stopped', 'on-failure'].includes(rp.Name)) {
      throw new InvalidArgumentError(`invalid restart policy '${rp.Name}'`, 'INVALID_RESTART_POLICY');
    }
    if (rp.Name !== 'on-failure' && num(rp.MaximumRetryCount) > 0) {
      throw new InvalidArgumentError(`invalid restart policy: maximum retry count can only be used with 'on-failure'`, 'INVALID_RESTART_POLICY');
    }
    h.restartPolicy = { name: rp.Name, maximumRetryCount: num(rp.MaximumRetryCount) };
  }
  h.autoRemove = hc.AutoRemove === true;
  if (h.autoRemove && h.restartPolicy.name !== 'no' && h.restartPolicy.name !== '') {
    throw new InvalidArgumentError('conflicting options: cannot specify both --restart and --rm', 'INVALID_RESTART_POLICY');
  }
  h.privileged = hc.Privileged === true;
  h.readonlyRootfs = hc.ReadonlyRootfs === true;
  h.init = hc.Init === true;
  h.capAdd = hc.CapAdd ?? [];
  h.capDrop = hc.CapDrop ?? [];
  h.securityOpt = hc.SecurityOpt ?? [];
  h.dns = hc.Dns ?? [];
  h.dnsSearch = hc.DnsSearch ?? [];
  h.dnsOptions = hc.DnsOptions ?? [];
  h.extraHosts = hc.ExtraHosts ?? [];
  h.memory = num(hc.Memory);
  h.memorySwap = num(hc.MemorySwap);
  h.memoryReservation = num(hc.MemoryReservation);
  h.nanoCpus = num(hc.NanoCpus);
  h.cpuShares = num(hc.CpuShares);
  h.cpuQuota = num(hc.CpuQuota);
  h.cpuPeriod = num(hc.CpuPeriod);
  if (h.nanoCpus > 0 && (h.cpuQuota > 0 || h.cpuPeriod > 0)) {
    throw new InvalidArgumentError('Conflicting options: Nano CPUs and CPU Period cannot both be set', 'INVALID_CPU');
  }
  h.cpusetCpus = hc.CpusetCpus ?? '';
  h.cpusetMems = hc.CpusetMems ?? '';
  h.pidsLimit = num(hc.PidsLimit);
  h.ulimits = (hc.Ulimits ?? []).map((u) => ({ name: u.Name, soft: num(u.Soft), hard: num(u.Hard) }));
  h.shmSize = num(hc.ShmSize);
  if (h.shmSize < 0) throw new InvalidArgumentError('SHM size can not be less than 0', 'INVALID_SHM');
  h.groupAdd = hc.GroupAdd ?? [];
  h.sysctls = hc.Sysctls ?? {};
  const cs = hc.ConsoleSize;
  if (cs && cs.length === 2 && (cs[0] > 0 || cs[1] > 0)) h.consoleSize = [cs[0], cs[1]];
  h.oomKillDisable = hc.OomKillDisable === true;
  h.ipcMode = hc.IpcMode || 'private';
  h.pidMode = hc.PidMode ?? '';
  h.utsMode = hc.UTSMode ?? '';
  if (hc.LogConfig && (hc.LogConfig.Type || Object.keys(hc.LogConfig.Config ?? {}).length)) {
    h.logConfig = { type: hc.LogConfig.Type ?? '', config: { ...(hc.LogConfig.Config ?? {}) } };
  }
  h.usernsMode = hc.UsernsMode ?? '';
  h.devices = (hc.Devices ?? []).map((d) => ({
    pathOnHost: d.PathOnHost ?? '',
    pathInContainer: d.PathInContainer || d.PathOnHost || '',
    cgroupPermissions: d.CgroupPermissions || 'rwm',
  }));
  return h;
}

/** `name` is the `?name=` query value (Docker ignores a Name in the body). */
export function translateContainerCreate(body: ContainerCreateRequest | undefined, name?: string): ContainerSpec {
  if (!body || typeof body !== 'object') throw new InvalidArgumentError('config cannot be empty in order to create a container', 'EMPTY_CONFIG');
  if (!body.Image) throw new InvalidArgumentError('no image specified in the create request', 'NO_IMAGE');
  const networks: ContainerSpec['networks'] = {};
  for (const [net, ep] of Object.entries(body.NetworkingConfig?.EndpointsConfig ?? {})) {
    const entry: ContainerSpec['networks'][string] = { aliases: ep?.Aliases ?? [] };
    if (ep?.IPAMConfig?.IPv4Address) entry.ipv4Address = ep.IPAMConfig.IPv4Address;
    networks[net] = entry;
  }
  const spec: ContainerSpec = {
    image: body.Image,
    env: body.Env ?? [],
    labels: body.Labels ?? {},
    tty: body.Tty === true,
    openStdin: body.OpenStdin === true,
    stdinOnce: body.StdinOnce === true,
    attachStdin: body.AttachStdin === true,
    // dockerd defaults these to false when absent; docker-py/compose send them explicitly
    attachStdout: body.AttachStdout === true,
    attachStderr: body.AttachStderr === true,
    exposedPorts: body.ExposedPorts ?? {},
    volumes: body.Volumes ?? {},
    host: translateHostConfig(body.HostConfig),
    networks,
  };
  if (name) spec.name = name.replace(/^\//, '');
  const cmd = strList(body.Cmd);
  if (cmd) spec.cmd = cmd;
  const entrypoint = strList(body.Entrypoint);
  if (entrypoint) spec.entrypoint = entrypoint;
  if (body.WorkingDir) spec.workingDir = body.WorkingDir;
  if (body.User) spec.user = body.User;
  if (body.Hostname) spec.hostname = body.Hostname;
  if (body.Domainname) spec.domainname = body.Domainname;
  if (body.StopSignal) spec.stopSignal = body.StopSignal;
  if (typeof body.StopTimeout === 'number') spec.stopTimeout = body.StopTimeout;
  const hc = body.Healthcheck;
  if (hc && hc.Test && hc.Test.length) {
    // durations stay in Docker's nanoseconds
    spec.healthcheck = { test: hc.Test };
    if (hc.Interval) spec.healthcheck.interval = hc.Interval;
    if (hc.Timeout) spec.healthcheck.timeout = hc.Timeout;
    if (hc.Retries) spec.healthcheck.retries = hc.Retries;
    if (hc.StartPeriod) spec.healthcheck.startPeriod = hc.StartPeriod;
  }
  return spec;
}

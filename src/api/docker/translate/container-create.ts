/**
 * POST /containers/create body → ContainerSpec, once, at the edge. Pure.
 * Accepts full zero-valued CLI bodies and minimal docker-py/dockerode bodies alike;
 * unknown fields are ignored, as dockerd does.
 */
import * as path from 'node:path';
import { InvalidArgumentError } from '../../../base/errors';
import { API_VERSION } from '../../../base/version';
import { defaultHostSpec, type ContainerSpec, type HostSpec, type MountSpec } from '../../../container/spec';
import type { ContainerCreateRequest, HostConfig, Mount } from '../../../protocol/docker/container';
import { apiAtLeast } from '../../http/api-version';
import { stringMap } from './volume';

/** Docker accepts a string where a list is expected in old clients (Cmd: "sh"). */
function strList(v: string[] | string | null | undefined): string[] | undefined {
  if (v === null || v === undefined) return undefined;
  return typeof v === 'string' ? [v] : v.map(String);
}

const num = (v: number | null | undefined): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

export function translateMount(m: Mount, apiVersion = API_VERSION): MountSpec {
  const type = m.Type ?? 'volume';
  if (apiAtLeast(apiVersion, '1.42')) {
    // dockerd refuses options of another mount type from 1.42 on (older versions dropped them)
    if (m.VolumeOptions && type !== 'volume') throw new InvalidArgumentError(`VolumeOptions must not be specified on mount type "${type}"`, 'INVALID_MOUNT');
    if (m.BindOptions && type !== 'bind') throw new InvalidArgumentError(`BindOptions must not be specified on mount type "${type}"`, 'INVALID_MOUNT');
    if (m.TmpfsOptions && type !== 'tmpfs') throw new InvalidArgumentError(`TmpfsOptions must not be specified on mount type "${type}"`, 'INVALID_MOUNT');
  }
  if (m.VolumeOptions?.Subpath && !apiAtLeast(apiVersion, '1.45')) throw new InvalidArgumentError('VolumeOptions.Subpath needs API v1.45 or newer', 'INVALID_MOUNT');
  // dockerd's mount parser: options of another type are an extra field
  if (m.ImageOptions && type !== 'image') throw new InvalidArgumentError(`invalid mount config for type "${type}": field ImageOptions must not be specified`, 'INVALID_MOUNT');
  if (type !== 'bind' && type !== 'volume' && type !== 'tmpfs' && type !== 'image') throw new InvalidArgumentError(`mount type unknown: ${type}`, 'INVALID_MOUNT');
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
  if (vo?.Subpath) spec.volumeSubpath = vo.Subpath;
  if (type === 'image' && m.ImageOptions?.Subpath) spec.imageSubpath = m.ImageOptions.Subpath;
  return spec;
}

/** Docker's words for a device request no driver can serve (no GPU runtime here): `[[gpu]]` is Go's %v of the capabilities. */
function refuseDeviceRequests(requests: unknown): void {
  if (!Array.isArray(requests) || requests.length === 0) return;
  const r = (requests[0] ?? {}) as { Driver?: string; Capabilities?: string[][] | null };
  const caps = `[${(r.Capabilities ?? []).map((c) => `[${(c ?? []).join(' ')}]`).join(' ')}]`;
  throw new InvalidArgumentError(`could not select device driver "${r.Driver ?? ''}" with capabilities: ${caps}`, 'NO_DEVICE_DRIVER');
}

export function translateHostConfig(hc: HostConfig | null | undefined, apiVersion = API_VERSION): HostSpec {
  const h = defaultHostSpec();
  // clients older than API 1.40 expect the old default IPC mode, shareable, as dockerd gives them
  if (!apiAtLeast(apiVersion, '1.40')) h.ipcMode = 'shareable';
  if (!hc) return h;
  refuseDeviceRequests(hc.DeviceRequests);
  h.binds = hc.Binds ?? [];
  h.mounts = (hc.Mounts ?? []).map((m) => translateMount(m, apiVersion));
  // Annotations came with 1.43; older clients' are ignored, as dockerd does
  const annotations = (apiAtLeast(apiVersion, '1.43') && stringMap(hc.Annotations, 'Annotations')) || {};
  if (Object.keys(annotations).length) h.annotations = annotations;
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
  if (Array.isArray(hc.MaskedPaths)) h.maskedPaths = [...hc.MaskedPaths];
  if (Array.isArray(hc.ReadonlyPaths)) h.readonlyPaths = [...hc.ReadonlyPaths];
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
  h.pidsLimit = Math.max(0, num(hc.PidsLimit)); // 0 and negatives: no limit, shown as null (dockerd)
  h.ulimits = (hc.Ulimits ?? []).map((u) => ({ name: u.Name, soft: num(u.Soft), hard: num(u.Hard) }));
  h.shmSize = num(hc.ShmSize);
  if (h.shmSize < 0) throw new InvalidArgumentError('SHM size can not be less than 0', 'INVALID_SHM');
  h.groupAdd = hc.GroupAdd ?? [];
  h.sysctls = hc.Sysctls ?? {};
  const cs = hc.ConsoleSize;
  if (cs && cs.length === 2 && (cs[0] > 0 || cs[1] > 0)) h.consoleSize = [cs[0], cs[1]];
  h.oomKillDisable = hc.OomKillDisable === true;
  h.ipcMode = hc.IpcMode || h.ipcMode;
  h.pidMode = hc.PidMode ?? '';
  h.utsMode = hc.UTSMode ?? '';
  if (hc.LogConfig && (hc.LogConfig.Type || Object.keys(hc.LogConfig.Config ?? {}).length)) {
    h.logConfig = { type: hc.LogConfig.Type ?? '', config: { ...(hc.LogConfig.Config ?? {}) } };
  }
  h.usernsMode = hc.UsernsMode ?? '';
  if (hc.Links?.length) h.links = [...hc.Links];
  h.devices = (hc.Devices ?? []).map((d) => ({
    pathOnHost: d.PathOnHost ?? '',
    pathInContainer: d.PathInContainer || d.PathOnHost || '',
    cgroupPermissions: d.CgroupPermissions || 'rwm',
  }));
  return h;
}

/** What a create body asks for, and the warnings dockerd adds for deprecated fields. */
export interface TranslatedCreate {
  spec: ContainerSpec;
  warnings: string[];
}

type EndpointsConfig = NonNullable<NonNullable<ContainerCreateRequest['NetworkingConfig']>['EndpointsConfig']>;

/**
 * NetworkingConfig.EndpointsConfig → spec networks, per API version: one endpoint before 1.44, the
 * container-wide MacAddress moved onto the main network's endpoint (dockerd's handleMACAddressBC).
 */
function translateNetworks(body: ContainerCreateRequest, networkMode: string, apiVersion: string, warnings: string[]): ContainerSpec['networks'] {
  const eps: EndpointsConfig = { ...(body.NetworkingConfig?.EndpointsConfig ?? {}) };
  const names = Object.keys(eps);
  if (names.length > 1 && !apiAtLeast(apiVersion, '1.44')) {
    throw new InvalidArgumentError(`Container cannot be created with multiple network endpoints: ${names.join(', ')}`, 'MULTIPLE_ENDPOINTS');
  }
  const mainNet = networkMode === 'default' ? 'bridge' : networkMode;
  const userOrBridge = !['host', 'none'].includes(networkMode) && !networkMode.startsWith('container:');
  const mainKey = (): string => (eps[mainNet] !== undefined ? mainNet : eps['default'] !== undefined && mainNet === 'bridge' ? 'default' : mainNet);
  const wideMac = body.MacAddress ?? '';
  const macs: Record<string, string> = {};
  if (apiAtLeast(apiVersion, '1.44')) for (const [n, ep] of Object.entries(eps)) if (ep?.MacAddress) macs[n] = ep.MacAddress;
  if (wideMac) {
    if (!userOrBridge) throw new InvalidArgumentError('conflicting options: mac-address and the network mode', 'MAC_CONFLICT');
    const key = mainKey();
    if (apiAtLeast(apiVersion, '1.44')) {
      if (macs[key] && macs[key] !== wideMac) {
        throw new InvalidArgumentError('the container-wide MAC address must match the endpoint-specific MAC address for the main network, or be left empty', 'MAC_CONFLICT');
      }
      warnings.push('The container-wide MacAddress field is now deprecated. It should be specified in EndpointsConfig instead.');
    }
    macs[key] = wideMac;
    eps[key] ??= {};
  }
  const networks: ContainerSpec['networks'] = {};
  for (const [net, ep] of Object.entries(eps)) {
    const entry: ContainerSpec['networks'][string] = { aliases: ep?.Aliases ?? [] };
    if (ep?.IPAMConfig?.IPv4Address) entry.ipv4Address = ep.IPAMConfig.IPv4Address;
    const mac = macs[net];
    if (mac) {
      if (!/^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/.test(mac)) throw new InvalidArgumentError(`invalid MAC address: ${mac}`, 'INVALID_MAC');
      entry.macAddress = mac.toLowerCase();
    }
    networks[net] = entry;
  }
  return networks;
}

/**
 * `name` is the `?name=` query value (Docker ignores a Name in the body); `apiVersion` the request's,
 * for the fields whose meaning changed between versions.
 */
export function translateContainerCreate(body: ContainerCreateRequest | undefined, name?: string, apiVersion = API_VERSION): TranslatedCreate {
  // dockerd's Config is empty unless the body has a field besides HostConfig and NetworkingConfig
  const configKeys = body && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body).filter((k) => k !== 'HostConfig' && k !== 'NetworkingConfig') : [];
  if (!body || configKeys.length === 0) throw new InvalidArgumentError('config cannot be empty in order to create a container', 'EMPTY_CONFIG');
  if (!body.Image) throw new InvalidArgumentError('no image specified in the create request', 'NO_IMAGE');
  const warnings: string[] = [];
  const host = translateHostConfig(body.HostConfig, apiVersion);
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
    host,
    networks: translateNetworks(body, host.networkMode, apiVersion, warnings),
  };
  if (name) spec.name = name.replace(/^\//, '');
  const cmd = strList(body.Cmd);
  if (cmd) spec.cmd = cmd;
  const entrypoint = strList(body.Entrypoint);
  if (entrypoint) spec.entrypoint = entrypoint;
  // dockerd keeps filepath.Clean of an absolute working dir ("/tmp/" → "/tmp"); a relative one is refused later as given
  if (body.WorkingDir) spec.workingDir = body.WorkingDir.startsWith('/') ? path.posix.normalize(body.WorkingDir).replace(/(.)\/+$/, '$1') : body.WorkingDir;
  if (body.User) spec.user = body.User;
  if (body.Hostname) spec.hostname = body.Hostname;
  if (body.Domainname) spec.domainname = body.Domainname;
  if (body.StopSignal) spec.stopSignal = body.StopSignal;
  if (typeof body.StopTimeout === 'number') spec.stopTimeout = body.StopTimeout;
  const hc = body.Healthcheck;
  // a Healthcheck without Test keeps its durations: the image's test is merged in at create, as dockerd does
  if (hc && (hc.Test?.length || hc.Interval || hc.Timeout || hc.Retries || hc.StartPeriod || hc.StartInterval)) {
    // durations stay in Docker's nanoseconds
    spec.healthcheck = { test: hc.Test ?? [] };
    if (hc.Interval) spec.healthcheck.interval = hc.Interval;
    if (hc.Timeout) spec.healthcheck.timeout = hc.Timeout;
    if (hc.Retries) spec.healthcheck.retries = hc.Retries;
    if (hc.StartPeriod) spec.healthcheck.startPeriod = hc.StartPeriod;
    // StartInterval came with 1.44; older clients' is ignored
    if (hc.StartInterval && apiAtLeast(apiVersion, '1.44')) spec.healthcheck.startInterval = hc.StartInterval;
  }
  return { spec, warnings };
}

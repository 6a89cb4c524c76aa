/** ContainerRecord → Docker's ContainerJSON (GET /containers/{id}/json), as the request's API version shows it. Pure. */
import { API_VERSION } from '../../../base/version';
import { apiAtLeast } from '../../http/api-version';
import { healthcheckConfig } from '../../../container/spec';
import { inspectLogPath } from '../../../container/logs/sinks';
import type { ContainerRecord } from '../../../container/types';
import type { Descriptor } from '../../../protocol/oci/image';
import { toDescriptorWire } from './image';
import type { HostSpec, MountSpec } from '../../../container/spec';
import type { MountPoint as CoreMountPoint } from '../../../volume/types';
import type {
  ContainerConfig,
  ContainerInspectResponse,
  EndpointSettings,
  HostConfig,
  Mount,
  MountPoint,
  NetworkSettings,
  PortMap,
} from '../../../protocol/docker/container';

const orNull = <T>(a: T[]): T[] | null => (a.length ? a : null);
const DEFAULT_SHM = 64 * 1024 * 1024;

export function toHostConfigWire(h: HostSpec, runtime: string): HostConfig {
  const portBindings: PortMap = {};
  for (const [p, list] of Object.entries(h.portBindings)) portBindings[p] = list.map((b) => ({ HostIp: b.hostIp, HostPort: b.hostPort }));
  return {
    Binds: orNull(h.binds),
    ContainerIDFile: '',
    LogConfig: { Type: h.logConfig?.type ?? '', Config: h.logConfig?.config ?? {} },
    NetworkMode: h.networkMode,
    PortBindings: portBindings,
    RestartPolicy: { Name: h.restartPolicy.name, MaximumRetryCount: h.restartPolicy.maximumRetryCount },
    AutoRemove: h.autoRemove,
    VolumeDriver: '',
    VolumesFrom: h.volumesFrom?.length ? h.volumesFrom : null,
    Mounts: h.mounts.length ? h.mounts.map(toMountWire) : undefined,
    ConsoleSize: h.consoleSize ?? [0, 0],
    CapAdd: orNull(h.capAdd),
    CapDrop: orNull(h.capDrop),
    CgroupnsMode: 'private',
    Dns: h.dns,
    DnsOptions: h.dnsOptions,
    DnsSearch: h.dnsSearch,
    ExtraHosts: orNull(h.extraHosts),
    GroupAdd: orNull(h.groupAdd),
    IpcMode: h.ipcMode,
    Cgroup: '',
    Links: orNull(h.links ?? []),
    OomScoreAdj: 0,
    PidMode: h.pidMode,
    Privileged: h.privileged,
    PublishAllPorts: h.publishAllPorts,
    ReadonlyRootfs: h.readonlyRootfs,
    SecurityOpt: orNull(h.securityOpt),
    Tmpfs: Object.keys(h.tmpfs).length ? h.tmpfs : undefined,
    UTSMode: h.utsMode,
    UsernsMode: h.usernsMode ?? '',
    ShmSize: h.shmSize || DEFAULT_SHM,
    Sysctls: Object.keys(h.sysctls).length ? h.sysctls : undefined,
    Runtime: runtime,
    Isolation: '',
    CpuShares: h.cpuShares,
    Memory: h.memory,
    NanoCpus: h.nanoCpus,
    CgroupParent: '',
    BlkioWeight: 0,
    BlkioWeightDevice: [],
    BlkioDeviceReadBps: [],
    BlkioDeviceWriteBps: [],
    BlkioDeviceReadIOps: [],
    BlkioDeviceWriteIOps: [],
    CpuPeriod: h.cpuPeriod,
    CpuQuota: h.cpuQuota,
    CpuRealtimePeriod: 0,
    CpuRealtimeRuntime: 0,
    CpusetCpus: h.cpusetCpus,
    CpusetMems: h.cpusetMems,
    Devices: h.devices.map((d) => ({ PathOnHost: d.pathOnHost, PathInContainer: d.pathInContainer, CgroupPermissions: d.cgroupPermissions })),
    DeviceCgroupRules: null,
    DeviceRequests: null,
    MemoryReservation: h.memoryReservation,
    MemorySwap: h.memorySwap,
    MemorySwappiness: null,
    OomKillDisable: h.oomKillDisable,
    Init: h.init ? true : null,
    PidsLimit: h.pidsLimit > 0 ? h.pidsLimit : h.pidsLimit < 0 ? 0 : null, // < 0: unset by an update (container/update.ts)
    Ulimits: h.ulimits.map((u) => ({ Name: u.name, Hard: u.hard, Soft: u.soft })),
    CpuCount: 0,
    CpuPercent: 0,
    IOMaximumIOps: 0,
    IOMaximumBandwidth: 0,
    MaskedPaths: h.maskedPaths ?? null,
    ReadonlyPaths: h.readonlyPaths ?? null,
    ...(h.annotations ? { Annotations: h.annotations } : {}),
  };
}

function toMountWire(m: MountSpec): Mount {
  const out: Mount = { Type: m.type, Source: m.source, Target: m.target, ReadOnly: m.readOnly };
  if (m.volumeSubpath) out.VolumeOptions = { Subpath: m.volumeSubpath };
  if (m.imageSubpath) out.ImageOptions = { Subpath: m.imageSubpath };
  return out;
}

/** The `Mounts` array of inspect and list: binds ("src:dst[:opts]"), --mount entries and tmpfs. */
export function toMountPoints(h: HostSpec): MountPoint[] {
  const out: MountPoint[] = [];
  for (const b of h.binds) {
    const [src = '', dst = '', mode = ''] = b.split(':');
    const isVolume = !src.startsWith('/');
    const rw = !mode.split(',').includes('ro');
    out.push(
      isVolume
        ? { Type: 'volume', Name: src, Source: '', Destination: dst, Driver: 'local', Mode: mode === '' ? 'z' : mode, RW: rw, Propagation: '' }
        : { Type: 'bind', Source: src, Destination: dst, Mode: mode, RW: rw, Propagation: 'rprivate' },
    );
  }
  for (const m of h.mounts) {
    out.push(
      m.type === 'volume'
        ? { Type: 'volume', Name: m.source, Source: '', Destination: m.target, Driver: 'local', Mode: 'z', RW: !m.readOnly, Propagation: '' }
        : { Type: m.type, Source: m.source, Destination: m.target, Mode: '', RW: !m.readOnly, Propagation: m.type === 'bind' ? 'rprivate' : '' },
    );
  }
  return out;
}

/** Resolved mount points (records made since volumes exist) → Docker's `Mounts` entries. */
export function toMountPointsWire(mps: CoreMountPoint[]): MountPoint[] {
  return mps.map((m) =>
    m.type === 'volume'
      ? { Type: 'volume', Name: m.name, Source: m.source, Destination: m.destination, Driver: 'local', Mode: m.mode, RW: m.rw, Propagation: m.propagation }
      : m.type === 'image'
        ? // dockerd: Name is the reference as given, Source where the image is mounted on the host
          { Type: 'image', Name: m.name, Source: m.source, Destination: m.destination, Mode: m.mode, RW: false, Propagation: m.propagation }
        : { Type: m.type, Source: m.source, Destination: m.destination, Mode: m.mode, RW: m.rw, Propagation: m.propagation },
  );
}

/** Who the endpoint belongs to, for the names it answers to on a user-defined network. */
export interface EndpointOwner {
  id: string;
  name: string;
}

/**
 * `staticIp`: the address the user asked for (--ip), which dockerd echoes as IPAMConfig. From 1.45
 * Aliases are only the user's (the short id moved to DNSNames, which came in 1.44).
 */
export function toEndpointSettings(networkName: string, n: ContainerRecord['networks'][string], owner: EndpointOwner, opts: { staticIp?: string; apiVersion?: string } = {}): EndpointSettings {
  const apiVersion = opts.apiVersion ?? API_VERSION;
  const shortId = owner.id.slice(0, 12);
  const userAliases = n.aliases.filter((a) => a !== shortId);
  const aliases = apiAtLeast(apiVersion, '1.45') ? userAliases : n.aliases;
  const out: EndpointSettings = {
    IPAMConfig: opts.staticIp ? { IPv4Address: opts.staticIp } : null,
    Links: null,
    Aliases: aliases.length ? aliases : null,
    NetworkID: n.networkId,
    EndpointID: n.endpointId,
    Gateway: n.gateway,
    IPAddress: n.ipAddress,
    IPPrefixLen: n.ipPrefixLen,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    MacAddress: n.macAddress,
    DriverOpts: null,
  };
  if (apiAtLeast(apiVersion, '1.48')) out.GwPriority = 0;
  if (apiAtLeast(apiVersion, '1.44')) {
    // the default bridge has no DNS; on user-defined networks: the name, the aliases, the short id
    out.DNSNames = networkName === 'bridge' ? null : [...new Set([owner.name.replace(/^\//, ''), ...userAliases, shortId])];
  }
  return out;
}

function toNetworkSettings(rec: ContainerRecord, apiVersion: string): NetworkSettings {
  const networks: Record<string, EndpointSettings> = {};
  for (const [name, n] of Object.entries(rec.networks)) networks[name] = toEndpointSettings(name, n, rec, { staticIp: rec.spec.networks[name]?.ipv4Address, apiVersion });
  // dockerd lists the networks a container is configured for even while it has no endpoint on them
  // (created, stopped; host and none never get one here): the user's settings, the runtime fields empty
  const mode = rec.spec.host.networkMode === 'default' ? 'bridge' : rec.spec.host.networkMode;
  const configured = mode.startsWith('container:') ? [] : [mode, ...Object.keys(rec.spec.networks)];
  for (const name of configured) {
    if (networks[name] || (name === 'default' && networks['bridge'])) continue;
    const want = rec.spec.networks[name];
    const empty = { ipAddress: '', ipPrefixLen: 0, gateway: '', macAddress: want?.macAddress ?? '', aliases: want?.aliases ?? [], networkId: '', endpointId: '' };
    networks[name] = toEndpointSettings(name, empty, rec, { staticIp: want?.ipv4Address, apiVersion });
    if (apiAtLeast(apiVersion, '1.44')) networks[name].DNSNames = null;
  }
  // the top-level fields mirror the default bridge network, as dockerd does
  const primary = rec.networks['bridge'] ?? Object.values(rec.networks)[0];
  const ports: PortMap = {};
  for (const [p, list] of Object.entries(rec.ports)) ports[p] = list ? list.map((b) => ({ HostIp: b.hostIp, HostPort: b.hostPort })) : null;
  return {
    Bridge: '',
    SandboxID: '',
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    Ports: ports,
    SandboxKey: '',
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: rec.networks['bridge']?.endpointId ?? '',
    Gateway: primary && rec.networks['bridge'] ? primary.gateway : '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    IPAddress: rec.networks['bridge']?.ipAddress ?? '',
    IPPrefixLen: rec.networks['bridge']?.ipPrefixLen ?? 0,
    IPv6Gateway: '',
    MacAddress: rec.networks['bridge']?.macAddress ?? '',
    Networks: networks,
  };
}

export function toContainerConfigWire(rec: ContainerRecord): ContainerConfig {
  const s = rec.spec;
  const cfg: ContainerConfig = {
    Hostname: rec.hostname,
    Domainname: s.domainname ?? '',
    User: rec.user,
    AttachStdin: s.attachStdin,
    AttachStdout: s.attachStdout,
    AttachStderr: s.attachStderr,
    ExposedPorts: Object.keys(s.exposedPorts).length ? s.exposedPorts : undefined,
    Tty: s.tty,
    OpenStdin: s.openStdin,
    StdinOnce: s.stdinOnce,
    Env: rec.env.length ? rec.env : null,
    Cmd: s.cmd ?? null,
    Image: s.image,
    Volumes: Object.keys(s.volumes).length ? s.volumes : null,
    WorkingDir: rec.workingDir,
    Entrypoint: s.entrypoint && s.entrypoint.length ? s.entrypoint : null,
    OnBuild: null,
    Labels: s.labels,
  };
  // the effective Cmd: the user's or, when absent, what actually runs minus the entrypoint
  if (!s.cmd) {
    const full = [rec.path, ...rec.args].filter((x) => x !== '');
    const ep = s.entrypoint ?? [];
    cfg.Cmd = full.length > ep.length ? full.slice(ep.length) : null;
  }
  if (s.stopSignal) cfg.StopSignal = s.stopSignal;
  if (s.stopTimeout !== undefined) cfg.StopTimeout = s.stopTimeout;
  if (s.healthcheck) cfg.Healthcheck = healthcheckConfig(s.healthcheck);
  return cfg;
}

export function toContainerInspect(rec: ContainerRecord, opts: { runtime: string; execIds?: string[]; apiVersion?: string; imageManifest?: Descriptor; cgroupnsMode?: 'private' | 'host' }): ContainerInspectResponse {
  const st = rec.state;
  const state: ContainerInspectResponse['State'] = {
    Status: st.status,
    Running: st.status === 'running' || st.status === 'paused' || st.status === 'restarting',
    Paused: st.status === 'paused',
    Restarting: st.status === 'restarting',
    OOMKilled: st.oomKilled,
    Dead: st.status === 'dead',
    Pid: st.pid,
    ExitCode: st.exitCode,
    Error: st.error,
    StartedAt: st.startedAt,
    FinishedAt: st.finishedAt,
  };
  if (st.health) {
    state.Health = {
      Status: st.health.status,
      FailingStreak: st.health.failingStreak,
      Log: st.health.log.map((l) => ({ Start: l.start, End: l.end, ExitCode: l.exitCode, Output: l.output })),
    };
  }
  return {
    Id: rec.id,
    Created: rec.created,
    Path: rec.path,
    Args: rec.args,
    State: state,
    Image: rec.imageId,
    ResolvConfPath: rec.resolvConfPath,
    HostnamePath: rec.hostnamePath,
    HostsPath: rec.hostsPath,
    LogPath: inspectLogPath(rec),
    Name: `/${rec.name}`,
    RestartCount: st.restartCount,
    Driver: 'overlay2',
    Platform: 'linux',
    ...(opts.imageManifest && apiAtLeast(opts.apiVersion ?? API_VERSION, '1.48') ? { ImageManifestDescriptor: toDescriptorWire(opts.imageManifest) } : {}),
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: opts.execIds && opts.execIds.length ? opts.execIds : null,
    HostConfig: { ...toHostConfigWire(rec.spec.host, opts.runtime), CgroupnsMode: opts.cgroupnsMode ?? 'private', LogConfig: { Type: rec.logConfig?.type ?? 'k8s-file', Config: rec.logConfig?.config ?? {} } },
    GraphDriver: { Name: 'overlay2', Data: { MergedDir: rec.rootfs } },
    Mounts: rec.mountPoints ? toMountPointsWire(rec.mountPoints) : toMountPoints(rec.spec.host),
    Config: toContainerConfigWire(rec),
    NetworkSettings: toNetworkSettings(rec, opts.apiVersion ?? API_VERSION),
  };
}

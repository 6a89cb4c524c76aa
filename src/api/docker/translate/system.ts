/** SystemInfo (core) → GET /version and GET /info bodies. Pure. */
import type { SystemInfo } from '../../../engine/types';
import type { SystemVersionResponse } from '../../../protocol/docker/system';
import { API_VERSION } from '../../../base/version';
import { apiAtLeast } from '../../http/api-version';

export function toVersionResponse(info: Pick<SystemInfo, 'serverVersion' | 'kernelVersion' | 'architecture' | 'components'>, api: { max: string; min: string }): SystemVersionResponse {
  const arch = info.architecture === 'x86_64' ? 'amd64' : info.architecture === 'aarch64' ? 'arm64' : info.architecture;
  return {
    Platform: { Name: 'Berth' },
    Components: [
      {
        Name: 'Engine',
        Version: info.serverVersion,
        Details: { ApiVersion: api.max, Arch: arch, BuildTime: '', Experimental: 'false', GitCommit: '', GoVersion: `node${process.versions.node}`, KernelVersion: info.kernelVersion, MinAPIVersion: api.min, Os: 'linux' },
      },
      // dockerd's order after the Engine: (containerd: none here), the OCI runtime, docker-init
      ...info.components.map((c) => ({ Name: c.name, Version: c.version, Details: { GitCommit: c.commit } })),
    ],
    Version: info.serverVersion,
    ApiVersion: api.max,
    MinAPIVersion: api.min,
    GitCommit: '',
    GoVersion: `node${process.versions.node}`,
    Os: 'linux',
    Arch: arch,
    KernelVersion: info.kernelVersion,
    BuildTime: '',
  };
}

/** The /info fields clients read (CLI `docker info`, testcontainers, compose), as the request's API version has them. */
export function toInfoResponse(i: SystemInfo, extra: { eventsListeners: number }, apiVersion = API_VERSION): Record<string, unknown> {
  const info: Record<string, unknown> = {
    ID: i.id,
    Containers: i.containers,
    ContainersRunning: i.containersRunning,
    ContainersPaused: i.containersPaused,
    ContainersStopped: i.containersStopped,
    Images: i.images,
    Driver: i.storageDriver,
    DriverStatus: [['Backing Filesystem', 'extfs'], ['Supports d_type', 'true'], ['Native Overlay Diff', 'true']],
    Plugins: { Volume: ['local'], Network: ['bridge', 'host', 'null'], Authorization: null, Log: [...i.logDrivers] },
    MemoryLimit: true,
    SwapLimit: true,
    KernelMemory: false,
    KernelMemoryTCP: false,
    CpuCfsPeriod: true,
    CpuCfsQuota: true,
    CPUShares: true,
    CPUSet: true,
    PidsLimit: true,
    IPv4Forwarding: true,
    Debug: false,
    NFd: 0,
    OomKillDisable: i.cgroupVersion === '1',
    NGoroutines: 0,
    SystemTime: new Date().toISOString(),
    LoggingDriver: i.loggingDriver,
    CgroupDriver: 'cgroupfs',
    CgroupVersion: i.cgroupVersion,
    NEventsListener: extra.eventsListeners,
    KernelVersion: i.kernelVersion,
    OperatingSystem: i.operatingSystem,
    OSVersion: '',
    OSType: i.osType,
    Architecture: i.architecture,
    IndexServerAddress: 'https://index.docker.io/v1/',
    RegistryConfig: {
      InsecureRegistryCIDRs: ['127.0.0.0/8'],
      IndexConfigs: { 'docker.io': { Name: 'docker.io', Mirrors: [], Secure: true, Official: true } },
      Mirrors: [],
    },
    NCPU: i.ncpu,
    MemTotal: i.memTotal,
    GenericResources: null,
    DockerRootDir: i.dataRoot,
    HttpProxy: '',
    HttpsProxy: '',
    NoProxy: '',
    Name: i.name,
    Labels: [],
    ExperimentalBuild: false,
    ServerVersion: i.serverVersion,
    Runtimes: { [i.runtime]: apiAtLeast(apiVersion, '1.44') ? { path: i.runtime, status: {} } : { path: i.runtime } },
    DefaultRuntime: i.runtime,
    Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
    LiveRestoreEnabled: true,
    Isolation: '',
    InitBinary: 'docker-init',
    ContainerdCommit: { ID: '' },
    RuncCommit: { ID: i.components.find((c) => c.name === i.runtime)?.commit ?? '' },
    InitCommit: { ID: i.components.find((c) => c.name === 'docker-init')?.commit ?? '' },
    SecurityOptions: ['name=seccomp,profile=default', ...(i.usernsRemap ? ['name=userns'] : []), ...(i.rootless ? ['name=rootless'] : []), ...(i.cgroupVersion === '2' ? ['name=cgroupns'] : [])],
    CDISpecDirs: [],
    Warnings: [],
  };
  // fields that left (or came into) the API, per dockerd's version history
  if (!apiAtLeast(apiVersion, '1.44')) delete info.CDISpecDirs;
  if (!apiAtLeast(apiVersion, '1.47')) Object.assign(info.RegistryConfig as object, { AllowNondistributableArtifactsCIDRs: null, AllowNondistributableArtifactsHostnames: null });
  if (!apiAtLeast(apiVersion, '1.49')) {
    Object.assign(info, { BridgeNfIptables: false, BridgeNfIp6tables: false });
    for (const k of ['ContainerdCommit', 'RuncCommit', 'InitCommit']) (info[k] as { Expected?: string }).Expected = '';
  } else {
    // netavark drives iptables
    info.FirewallBackend = { Driver: 'iptables' };
  }
  return info;
}

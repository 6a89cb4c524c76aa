/**
 * ContainerSpec: what a user asks for when creating a container, in core terms
 * (no Docker JSON casing). api/docker/translate/container-create.ts builds it from
 * a ContainerCreateRequest; library users build it directly.
 */
import type { Platform } from '../image/distribution/platform';

export interface UlimitSpec {
  name: string; // "nofile", "nproc", ... (Docker's names, without RLIMIT_)
  soft: number;
  hard: number;
}

export interface MountSpec {
  type: 'bind' | 'volume' | 'tmpfs' | 'image';
  source: string; // host path for bind, volume name for volume, image reference for image, "" for tmpfs
  target: string;
  readOnly: boolean;
  options?: string[];
  /** type volume: labels and local-driver options for a volume this mount creates */
  volumeLabels?: Record<string, string>;
  volumeDriver?: string;
  volumeDriverOptions?: Record<string, string>;
  /** type volume: mount this path inside the volume instead of its root (API 1.45 VolumeOptions.Subpath) */
  volumeSubpath?: string;
  /** type image: mount this path inside the image instead of its root (API 1.48 ImageOptions.Subpath) */
  imageSubpath?: string;
}

export interface RestartPolicySpec {
  name: '' | 'no' | 'always' | 'unless-stopped' | 'on-failure';
  maximumRetryCount: number;
}

/** Durations in nanoseconds, as Docker keeps them; absent or 0 means the image's or Docker's default. */
export interface HealthcheckSpec {
  test: string[];
  interval?: number;
  timeout?: number;
  retries?: number;
  startPeriod?: number;
  /** the interval between checks during the start period (API 1.44) */
  startInterval?: number;
}

export interface ContainerSpec {
  name?: string;
  image: string; // reference as the user gave it
  /** create's `platform` (API 1.41): the image must be of it, else it is not found (dockerd) */
  platform?: Platform;
  cmd?: string[]; // undefined → image's Cmd
  entrypoint?: string[]; // undefined → image's; [] or [""] → none
  env: string[]; // "K=V", merged over the image's Env
  workingDir?: string;
  user?: string; // "uid[:gid]" or "name[:group]"
  hostname?: string;
  domainname?: string;
  labels: Record<string, string>;
  tty: boolean;
  openStdin: boolean;
  stdinOnce: boolean;
  attachStdin: boolean;
  attachStdout: boolean;
  attachStderr: boolean;
  stopSignal?: string;
  stopTimeout?: number;
  exposedPorts: Record<string, object>;
  volumes: Record<string, object>;
  healthcheck?: HealthcheckSpec;
  host: HostSpec;
  /** networks requested at create time (NetworkingConfig.EndpointsConfig) */
  networks: Record<string, { aliases: string[]; ipv4Address?: string; macAddress?: string }>;
}

export interface HostSpec {
  binds: string[];
  mounts: MountSpec[];
  /** `--volumes-from`: "container[:ro|rw]" */
  volumesFrom: string[];
  tmpfs: Record<string, string>;
  networkMode: string; // "default" | "bridge" | "none" | "host" | "container:<id>" | <name>
  portBindings: Record<string, Array<{ hostIp: string; hostPort: string }>>;
  publishAllPorts: boolean;
  restartPolicy: RestartPolicySpec;
  autoRemove: boolean;
  privileged: boolean;
  readonlyRootfs: boolean;
  init: boolean;
  capAdd: string[];
  capDrop: string[];
  securityOpt: string[];
  dns: string[];
  dnsSearch: string[];
  dnsOptions: string[];
  extraHosts: string[];
  memory: number; // bytes, 0 = unlimited
  memorySwap: number; // bytes, 0 = default, -1 = unlimited
  memoryReservation: number;
  nanoCpus: number; // 1e9 = one CPU
  cpuShares: number;
  cpuQuota: number;
  cpuPeriod: number;
  cpusetCpus: string;
  cpusetMems: string;
  pidsLimit: number; // 0 or -1 = unlimited
  ulimits: UlimitSpec[];
  shmSize: number; // bytes, 0 = 64 MiB
  groupAdd: string[];
  sysctls: Record<string, string>;
  consoleSize?: [number, number];
  oomKillDisable: boolean;
  ipcMode: string;
  pidMode: string;
  utsMode: string;
  /** "" (the daemon's: remapped under --userns-remap) or "host" */
  usernsMode: string;
  devices: Array<{ pathOnHost: string; pathInContainer: string; cgroupPermissions: string }>;
  /** `--log-driver`/`--log-opt`; type "" = the daemon's default */
  logConfig?: { type: string; config: Record<string, string> };
  /** OCI annotations handed to the runtime (API 1.43 HostConfig.Annotations) */
  annotations?: Record<string, string>;
  /** HostConfig.MaskedPaths / ReadonlyPaths: undefined = Docker's defaults (none when privileged), [] = none */
  maskedPaths?: string[];
  readonlyPaths?: string[];
  /** legacy `--link name[:alias]`: checked at create; the names resolve through the network's DNS */
  links?: string[];
  /** the links resolved at create: target id and alias (container/links.ts derives names from them) */
  linkTargets?: Array<{ id: string; alias: string }>;
}

export function defaultHostSpec(): HostSpec {
  return {
    binds: [],
    mounts: [],
    volumesFrom: [],
    tmpfs: {},
    networkMode: 'default',
    portBindings: {},
    publishAllPorts: false,
    restartPolicy: { name: 'no', maximumRetryCount: 0 },
    autoRemove: false,
    privileged: false,
    readonlyRootfs: false,
    init: false,
    capAdd: [],
    capDrop: [],
    securityOpt: [],
    dns: [],
    dnsSearch: [],
    dnsOptions: [],
    extraHosts: [],
    memory: 0,
    memorySwap: 0,
    memoryReservation: 0,
    nanoCpus: 0,
    cpuShares: 0,
    cpuQuota: 0,
    cpuPeriod: 0,
    cpusetCpus: '',
    cpusetMems: '',
    pidsLimit: 0,
    ulimits: [],
    shmSize: 0,
    groupAdd: [],
    sysctls: {},
    oomKillDisable: false,
    ipcMode: 'private',
    pidMode: '',
    utsMode: '',
    usernsMode: '',
    devices: [],
  };
}

export function defaultContainerSpec(image: string): ContainerSpec {
  return {
    image,
    env: [],
    labels: {},
    tty: false,
    openStdin: false,
    stdinOnce: false,
    attachStdin: false,
    attachStdout: true,
    attachStderr: true,
    exposedPorts: {},
    volumes: {},
    host: defaultHostSpec(),
    networks: {},
  };
}

/** A container's healthcheck in the API's and image config's shape (zero fields left out, as dockerd does). */
export function healthcheckConfig(h: HealthcheckSpec): { Test: string[]; Interval?: number; Timeout?: number; Retries?: number; StartPeriod?: number; StartInterval?: number } {
  const out: ReturnType<typeof healthcheckConfig> = { Test: h.test };
  if (h.interval) out.Interval = h.interval;
  if (h.timeout) out.Timeout = h.timeout;
  if (h.retries) out.Retries = h.retries;
  if (h.startPeriod) out.StartPeriod = h.startPeriod;
  if (h.startInterval) out.StartInterval = h.startInterval;
  return out;
}

/**
 * The normalized Compose model, the shape `docker compose config` settles on:
 * short syntaxes expanded, paths absolute, durations in nanoseconds, env files
 * applied. Only what Berth acts on is modelled; the loader still validates the
 * whole file against the compose-spec schema.
 */

export interface ComposeProject {
  name: string;
  workingDir: string;
  services: Record<string, ServiceConfig>;
  networks: Record<string, NetworkConfig>;
  volumes: Record<string, VolumeConfig>;
  secrets: Record<string, FileObjectConfig>;
  configs: Record<string, FileObjectConfig>;
  /** Services left out by the active profiles, normalized the same way. */
  disabledServices: Record<string, ServiceConfig>;
  /** The compose files read, absolute, in merge order. */
  composeFiles: string[];
  /** The environment interpolation saw: .env overlaid by the process environment. */
  environment: Record<string, string>;
}

export interface PortConfig {
  target: number;
  /** A port or a range ("8000-8010"); absent lets the engine pick. */
  published?: string;
  hostIp?: string;
  protocol: 'tcp' | 'udp';
}

export interface ServiceVolumeConfig {
  type: 'volume' | 'bind' | 'tmpfs';
  /** bind: absolute host path; volume: the project-local name (absent for an anonymous volume). */
  source?: string;
  target: string;
  readOnly: boolean;
  /** bind: create the host path when missing (implied by the short syntax). */
  createHostPath?: boolean;
  /** volume: don't copy the image's content into a fresh volume. */
  nocopy?: boolean;
  /** tmpfs: size in bytes. */
  tmpfsSize?: number;
}

export interface ServiceNetworkConfig {
  aliases: string[];
  ipv4Address?: string;
  ipv6Address?: string;
}

export interface DependsOnConfig {
  condition: 'service_started' | 'service_healthy' | 'service_completed_successfully';
  restart: boolean;
  required: boolean;
}

export interface HealthcheckConfig {
  test?: string[];
  intervalNs?: number;
  timeoutNs?: number;
  startPeriodNs?: number;
  startIntervalNs?: number;
  retries?: number;
  disable?: boolean;
}

export interface BuildConfig {
  /** Absolute path, or a remote context (git URL) as written. */
  context: string;
  dockerfile: string;
  /** The Dockerfile's text when given inline (dockerfile_inline); dockerfile is then unused. */
  dockerfileInline?: string;
  args: Record<string, string>;
  target?: string;
  labels: Record<string, string>;
  tags?: string[];
  noCache?: boolean;
}

export interface ServiceConfig {
  name: string;
  image?: string;
  build?: BuildConfig;
  /** Shell-form strings are split the way compose does (shell-like words); exec arrays are kept. */
  command?: string[] | null;
  entrypoint?: string[] | null;
  /** env_file entries first, then `environment`; null = not set here nor in the host env. */
  environment: Record<string, string | null>;
  /** Absolute paths of the env files that were read. */
  envFiles: string[];
  ports: PortConfig[];
  expose: string[];
  volumes: ServiceVolumeConfig[];
  /** Keyed by the project-local network name; absent in the file => { default: null } (unless network_mode). */
  networks: Record<string, ServiceNetworkConfig | null>;
  networkMode?: string;
  dependsOn: Record<string, DependsOnConfig>;
  healthcheck?: HealthcheckConfig;
  restart?: string;
  labels: Record<string, string>;
  containerName?: string;
  hostname?: string;
  domainname?: string;
  user?: string;
  workingDir?: string;
  tty: boolean;
  stdinOpen: boolean;
  privileged: boolean;
  readOnly: boolean;
  init?: boolean;
  capAdd: string[];
  capDrop: string[];
  dns: string[];
  dnsSearch: string[];
  /** "host:ip", the form the Engine API's HostConfig.ExtraHosts takes. */
  extraHosts: string[];
  tmpfs: string[];
  securityOpt: string[];
  sysctls: Record<string, string>;
  ulimits: Record<string, { soft: number; hard: number }>;
  links: string[];
  volumesFrom: string[];
  ipc?: string;
  pid?: string;
  logging?: { driver?: string; options: Record<string, string> };
  stopSignal?: string;
  stopGracePeriodNs?: number;
  /** deploy.replicas or scale, default 1. */
  scale: number;
  profiles: string[];
  /** Top-level secrets/configs this service gets, as files in its containers. */
  secrets: ServiceFileRef[];
  configs: ServiceFileRef[];
  pullPolicy?: string;
  platform?: string;
}

export interface NetworkConfig {
  /** The real name: `${project}_${key}` unless `name:` is set or the network is external. */
  name: string;
  external: boolean;
  driver?: string;
  driverOpts: Record<string, string>;
  ipam?: { subnet?: string; gateway?: string; ipRange?: string }[];
  internal: boolean;
  attachable?: boolean;
  enableIpv6?: boolean;
  labels: Record<string, string>;
}

export interface VolumeConfig {
  /** The real name: `${project}_${key}` unless `name:` is set or the volume is external. */
  name: string;
  external: boolean;
  driver?: string;
  driverOpts: Record<string, string>;
  labels: Record<string, string>;
}

/**
 * A top-level secret or config: where its bytes come from. Exactly one of file, environment,
 * content (configs only) is set, unless it is external (made outside compose, swarm only).
 */
export interface FileObjectConfig {
  /** `${project}_${key}` unless `name:` is set or it is external. */
  name: string;
  external: boolean;
  /** Absolute host path. */
  file?: string;
  /** Name of the project environment variable that holds the value. */
  environment?: string;
  /** configs: the content inline. */
  content?: string;
  labels: Record<string, string>;
}

/** A service's use of a secret or config (short syntax `- NAME` is `{ source: NAME }`). */
export interface ServiceFileRef {
  source: string;
  /** As written: relative targets are resolved against /run/secrets (secrets) or / (configs) when mounted. */
  target?: string;
  uid?: string;
  gid?: string;
  /** Permission bits (the file's octal mode as a number). */
  mode?: number;
}

/** Read models and options of the container service (core terms, no Docker casing). */
import type { ChangeKind } from '../layer/upper-diff';
import type { ImageRecord } from '../image/types';
import type { Descriptor, ImageConfigConfig } from '../protocol/oci/image';
import type { Readable } from 'node:stream';
import type { ContainerSpec, RestartPolicySpec } from './spec';
import type { AttachStream } from '../runtime/types';
import type { MountPoint } from '../volume/types';
import type { ContainerPathStat } from './path-resolve';
import type { LogConfig } from './logs/config';

export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface ContainerState {
  status: ContainerStatus;
  pid: number;
  exitCode: number;
  error: string;
  startedAt: string; // ISO, "0001-01-01T00:00:00Z" when never
  finishedAt: string;
  oomKilled: boolean;
  restartCount: number;
  /** set by `stop`/`kill` from the user, so restart policies do not fire */
  stoppedByUser: boolean;
  health?: { status: 'starting' | 'healthy' | 'unhealthy'; failingStreak: number; log: Array<{ start: string; end: string; exitCode: number; output: string }> };
}

/** What is persisted per container (containers/<id>/config.json). */
export interface ContainerRecord {
  id: string;
  name: string; // without the leading "/"
  created: string;
  spec: ContainerSpec;
  imageId: string;
  /** resolved process: what actually runs */
  path: string;
  args: string[];
  env: string[];
  workingDir: string;
  user: string;
  hostname: string;
  state: ContainerState;
  /** rootfs mount point (overlay merged dir) */
  rootfs: string;
  /** json-file's path (`<id>-json.log`); for records made before logging drivers, conmon's k8s-file */
  logPath: string;
  /** the logging driver and its options, the daemon's default merged in at create (absent: made before drivers) */
  logConfig?: LogConfig;
  /** network attachments, filled by the network module */
  networks: Record<string, { ipAddress: string; ipPrefixLen: number; gateway: string; macAddress: string; aliases: string[]; networkId: string; endpointId: string }>;
  ports: Record<string, Array<{ hostIp: string; hostPort: string }> | null>;
  resolvConfPath: string;
  hostnamePath: string;
  hostsPath: string;
  /** binds, volumes and --mount tmpfs resolved at create (absent in records made before volumes existed) */
  mountPoints?: MountPoint[];
}

export interface ContainerSummary {
  id: string;
  names: string[];
  image: string;
  imageId: string;
  command: string;
  created: number; // unix seconds
  state: ContainerStatus;
  status: string; // "Up 3 seconds", "Exited (0) 2 minutes ago"
  labels: Record<string, string>;
  ports: Array<{ privatePort: number; publicPort?: number; type: string; ip?: string }>;
  networkMode: string;
  /** HostConfig.Annotations, when the container was created with any */
  annotations?: Record<string, string>;
  networks: ContainerRecord['networks'];
  mounts: ContainerSpec['host']['mounts'];
  mountPoints?: MountPoint[];
  /** with `size`: bytes the container wrote, and those plus its image's */
  sizeRw?: number;
  sizeRootFs?: number;
  /** the platform-specific manifest of its image (absent once the image is gone) */
  imageManifest?: Descriptor;
}

export interface ContainerListOptions {
  all?: boolean;
  limit?: number;
  /** Docker filters: id, name, label, status, ancestor, exited, before, since, network, health */
  filters?: Record<string, string[]>;
  /** compute sizeRw/sizeRootFs (a walk of each container's writable layer) */
  size?: boolean;
}

export interface LogsOptions {
  follow: boolean;
  stdout: boolean;
  stderr: boolean;
  since?: number; // unix seconds (fractional allowed)
  until?: number;
  timestamps: boolean;
  tail?: number; // undefined = all
  signal?: AbortSignal;
}

/** One log entry; the API frames it (stdcopy for non-tty, raw for tty). */
export interface LogEntry {
  stream: 'stdout' | 'stderr';
  time: string; // RFC3339 nano
  data: Buffer;
  /** the labels/env the log driver kept with the line (json-file "attrs"), shown by logs --details */
  attrs?: Record<string, string>;
}

export interface WaitOptions {
  condition: 'not-running' | 'next-exit' | 'removed';
  signal?: AbortSignal;
}

export interface ExecCreateSpec {
  cmd: string[];
  env: string[];
  workingDir?: string;
  user?: string;
  tty: boolean;
  attachStdin: boolean;
  attachStdout: boolean;
  attachStderr: boolean;
  privileged: boolean;
  consoleSize?: [number, number];
}

export interface ExecInfo {
  id: string;
  containerId: string;
  running: boolean;
  exitCode: number | null;
  pid: number;
  spec: ExecCreateSpec;
  openStdin: boolean;
}

export interface TopResult {
  titles: string[];
  processes: string[][];
}

/** One reading of a container's resources (`docker stats`, /metrics). */
export interface ContainerStatsSample {
  id: string;
  name: string;
  image: string;
  read: string; // ISO time of the reading
  running: boolean;
  sample: import('../platform/cgroups').CgroupSample | undefined;
  /** the interfaces of its network namespace, loopback left out */
  networks: import('../platform/netdev').InterfaceCounters[];
}

export interface ContainerService {
  /** opts.id: the id a build step already announced (the container it leaves behind after failing) */
  create(spec: ContainerSpec, opts?: { id?: string }): Promise<{ id: string; warnings: string[] }>;
  start(ref: string): Promise<void>;
  stop(ref: string, opts?: { timeout?: number; signal?: string }): Promise<void>;
  kill(ref: string, signal?: string): Promise<void>;
  restart(ref: string, opts?: { timeout?: number; signal?: string }): Promise<void>;
  remove(ref: string, opts?: { force?: boolean; volumes?: boolean }): Promise<void>;
  wait(ref: string, opts: WaitOptions): Promise<{ statusCode: number; error?: string }>;
  list(opts?: ContainerListOptions): Promise<ContainerSummary[]>;
  inspect(ref: string): Promise<ContainerRecord>;
  /** inspect --size: bytes in the writable layer, and those plus the image's */
  sizes(ref: string): Promise<{ sizeRw: number; sizeRootFs: number }>;
  logs(ref: string, opts: LogsOptions): AsyncIterable<LogEntry>;
  attach(ref: string, opts: { stdin: boolean; stdout: boolean; stderr: boolean; stream: boolean; logs: boolean }): Promise<AttachStream>;
  resize(ref: string, height: number, width: number): Promise<void>;
  top(ref: string, psArgs?: string): Promise<TopResult>;
  /** A reading of the container's cgroup (sample undefined when it is not running). */
  stats(ref: string): Promise<ContainerStatsSample>;
  /** Readings of every running or paused container, taken together (one pass for /metrics). */
  statsAll(): Promise<ContainerStatsSample[]>;
  /** Containers by dockerd's three metric states (running, paused, and stopped for every other state). */
  stateCounts(): { running: number; paused: number; stopped: number };
  /** Health probes run since the daemon started, and how many failed (engine_daemon_health_checks_*). */
  healthCheckCounts(): { total: number; failed: number };
  rename(ref: string, newName: string): Promise<void>;
  pause(ref: string): Promise<void>;
  unpause(ref: string): Promise<void>;
  prune(filters?: Record<string, string[]>): Promise<{ deleted: string[]; spaceReclaimed: number }>;
  /** rootfs export as a tar stream */
  export(ref: string): Promise<Readable>;
  commit(ref: string, opts: CommitOptions): Promise<ImageRecord>;
  /** `docker update` */
  update(ref: string, u: ContainerUpdate): Promise<{ warnings: string[] }>;
  changes(ref: string): Promise<Array<{ path: string; kind: ChangeKind }>>;
  /** `docker cp`: the stat of a path as the container sees it (a final symlink is not followed) */
  statPath(ref: string, path: string): Promise<ContainerPathStat>;
  /** `docker cp` out: the path's stat and a tar of it (entries named from the path's base name) */
  getArchive(ref: string, path: string): Promise<{ stat: ContainerPathStat; tar: Readable }>;
  /** `docker cp` in: extract a tar into the existing directory `path`; running or stopped containers */
  putArchive(ref: string, path: string, tar: Readable, opts: { noOverwriteDirNonDir: boolean; copyUIDGID: boolean }): Promise<void>;
  execCreate(ref: string, spec: ExecCreateSpec): Promise<string>;
  /** `startable` runs once the exec may start, just before its process does (the API hijacks the connection there). */
  execStart(execId: string, opts: { detach: boolean; tty: boolean; startable?: () => Promise<void> }): Promise<AttachStream | undefined>;
  execInspect(execId: string): Promise<ExecInfo>;
  execResize(execId: string, height: number, width: number): Promise<void>;
  /** resolve name / id / id-prefix → record (Docker's not-found and ambiguity messages) */
  resolve(ref: string): ContainerRecord;
}

/** `docker commit` options */
export interface CommitOptions {
  /** "name:tag" already normalized, or none for an untagged image */
  tag?: string;
  comment?: string;
  author?: string;
  /** Dockerfile instructions applied to the config (`--change`) */
  changes?: string[];
  /** pause a running container meanwhile (Docker's default) */
  pause?: boolean;
  /** history's created_by (default: the container's command) */
  createdBy?: string;
  /** a config to start from instead of the container's (the API's request body) */
  config?: ImageConfigConfig;
}

/** The fields of a `docker update`; absent ones stay as they are. */
export interface ContainerUpdate {
  memory?: number;
  memorySwap?: number;
  memoryReservation?: number;
  nanoCpus?: number;
  cpuShares?: number;
  cpuQuota?: number;
  cpuPeriod?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  pidsLimit?: number;
  restartPolicy?: RestartPolicySpec;
}

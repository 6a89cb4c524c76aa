/**
 * The runtime contract: how container/ drives an OCI runtime (runc/crun)
 * through conmon. Implemented in runtime/conmon.ts + runtime/oci-runtime.ts.
 */
import type { IdMapping } from '../platform/idmap';
import type { Duplex } from 'node:stream';

/** Everything the pure OCI config generator needs; built by container/start.ts. */
export interface RuntimeSpecInput {
  id: string;
  rootfs: string; // absolute path of the mounted rootfs
  readonlyRootfs: boolean;
  args: string[]; // entrypoint + cmd, already resolved (and prefixed by the init binary when init=true)
  env: string[];
  cwd: string;
  user: { uid: number; gid: number; additionalGids: number[] };
  terminal: boolean;
  consoleSize?: { height: number; width: number };
  hostname: string;
  domainname?: string;
  /** files bind-mounted into the container (hosts, hostname, resolv.conf, init binary) */
  extraMounts: Array<{ destination: string; source: string; type: 'bind' | 'tmpfs'; options: string[] }>;
  /** namespaces: "private" = new one; "host" = none; a path = join that one (netns path, /proc/<pid>/ns/...) */
  namespaces: { network: 'private' | 'host' | string; pid: 'private' | 'host' | string; ipc: 'private' | 'host' | string; uts: 'private' | 'host' };
  privileged: boolean;
  /** paths masked / remounted read-only; undefined: Docker's defaults (none when privileged) */
  maskedPaths?: string[];
  readonlyPaths?: string[];
  /** `--security-opt writable-cgroups[=bool]`; undefined: as privileged */
  writableCgroups?: boolean;
  /** a user namespace with these maps (daemon --userns-remap); absent = the host's */
  /** a rootless daemon's container: no cgroup of its own unless delegated, /sys bound where sysfs cannot be mounted */
  rootless?: boolean;
  userns?: { path?: string; uidMappings: IdMapping[]; gidMappings: IdMapping[] };
  capAdd: string[];
  capDrop: string[];
  noNewPrivileges: boolean;
  /** `--security-opt` values: seccomp=unconfined|<profile JSON> (runtime/seccomp.ts) */
  securityOpt?: string[];
  /** cgroup path, e.g. "/berth/<id>" (cgroupfs) */
  cgroupsPath: string;
  resources: {
    memory: number;
    memorySwap: number;
    memoryReservation: number;
    nanoCpus: number;
    cpuShares: number;
    cpuQuota: number;
    cpuPeriod: number;
    cpusetCpus: string;
    cpusetMems: string;
    pidsLimit: number;
    oomKillDisable: boolean;
  };
  ulimits: Array<{ name: string; soft: number; hard: number }>;
  shmSize: number;
  sysctls: Record<string, string>;
  tmpfs: Record<string, string>;
  devices: Array<{ pathOnHost: string; pathInContainer: string; cgroupPermissions: string }>;
  annotations: Record<string, string>;
}

export interface CreateOptions {
  id: string;
  bundleDir: string; // holds config.json (written by the caller)
  /** conmon's log: a k8s-file (capped at sizeMax bytes, conmon's --log-size-max), or none */
  log: { driver: 'k8s-file'; path: string; sizeMax?: number } | { driver: 'none' };
  terminal: boolean;
  stdin: boolean; // keep a stdin pipe open (OpenStdin)
  stdinOnce: boolean; // close stdin when the first attach ends
}

export interface RuntimeState {
  status: 'created' | 'running' | 'paused' | 'stopped';
  pid: number;
}

/**
 * A live attach: writes go to the container's stdin (end() = EOF on stdin
 * when the container was created with stdinOnce); reads yield Docker stdcopy
 * frames ([1|2,0,0,0,len BE] + payload) for non-tty, raw bytes for tty.
 * It ends when the container's stdio closes.
 */
export type AttachStream = Duplex;

export interface ExecOptions {
  containerId: string;
  execId: string;
  args: string[];
  env: string[];
  cwd: string;
  user: { uid: number; gid: number; additionalGids: number[] };
  terminal: boolean;
  stdin: boolean;
  consoleSize?: { height: number; width: number };
  privileged: boolean;
  /** capabilities the exec process gets (same set as the container by default) */
  capabilities: string[];
}

export interface ExecSession {
  pid: number;
  stream: AttachStream;
  /** resolves with the exit code when the exec process ends */
  exited: Promise<number>;
  resize(height: number, width: number): Promise<void>;
}

export interface ContainerRuntime {
  /** name for /info ("runc" | "crun") */
  readonly name: string;
  /** Start conmon, which runs `<runtime> create`. Resolves once the container is created (not yet started). */
  create(opts: CreateOptions): Promise<{ pid: number; conmonPid: number }>;
  start(id: string): Promise<void>;
  kill(id: string, signal: string, all?: boolean): Promise<void>;
  /** Remove runtime state; force kills a running container first. Idempotent. */
  delete(id: string, force?: boolean): Promise<void>;
  state(id: string): Promise<RuntimeState | undefined>;
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  /** New cgroup limits for a running container. */
  update(id: string, resources: object): Promise<void>;
  /** PIDs (host view) of all processes in the container */
  pids(id: string): Promise<number[]>;
  /** `endOnStdinEof`: the stream ends once its input ended and was delivered (a tty or !StdinOnce attach) */
  attach(id: string, opts: { stdin: boolean; endOnStdinEof?: boolean }): Promise<AttachStream>;
  resize(id: string, height: number, width: number): Promise<void>;
  /** Has conmon reopen its log file (after the caller renamed it away). */
  reopenLog(id: string): Promise<void>;
  exec(opts: ExecOptions): Promise<ExecSession>;
  /** The exit code conmon recorded, if the container's process has exited. */
  exitCode(id: string): Promise<number | undefined>;
  /** Directory conmon writes exit files to (watched by container/supervisor.ts). */
  readonly exitDir: string;
  /** Remove all per-container files kept by the runtime adapter (sockets, pidfiles). */
  cleanup(id: string): Promise<void>;
}

/** The engine facade: the one object the daemon, the API and library users hold. */
import type { ContainerService } from '../container/types';
import type { ImageService } from '../image/types';
import type { EventBus } from '../base/events';
import type { NetworkService } from '../network/types';
import type { VolumeService } from '../volume/types';
import type { BuildService } from './builds';
import type { KubeService } from '../kube/index';
import type { ComponentVersion } from '../runtime/oci-runtime';

export interface SystemInfo {
  id: string;
  name: string; // hostname
  containers: number;
  containersRunning: number;
  containersPaused: number;
  containersStopped: number;
  images: number;
  dataRoot: string;
  execRoot: string;
  runtime: string;
  cgroupVersion: '1' | '2';
  kernelVersion: string;
  operatingSystem: string;
  osType: 'linux';
  architecture: string;
  ncpu: number;
  memTotal: number;
  serverVersion: string;
  /** the default logging driver (`docker info`'s LoggingDriver) */
  loggingDriver: string;
  /** drivers a container can choose (Plugins.Log) */
  logDrivers: string[];
  /** the daemon runs containers in user namespaces (--userns-remap) */
  usernsRemap: boolean;
  /** the daemon is rootless (`docker info`: name=rootless) */
  rootless: boolean;
  /** overlay2, or fuse-overlayfs where a rootless daemon cannot mount overlayfs */
  storageDriver: string;
  /** the binaries containers run with, as `docker version` lists them: the OCI runtime, then the init (docker-init) */
  components: ComponentVersion[];
}

export interface EngineMetrics {
  /** the exposition format's content type */
  readonly contentType: string;
  /** One scrape: every family in the text exposition format. */
  scrape(): Promise<string>;
  /** Runs `fn` and records its duration under engine_daemon_<kind>_actions_seconds{action}. */
  time<T>(kind: ActionKind, action: string, fn: () => Promise<T>): Promise<T>;
}

export type ActionKind = 'container' | 'image' | 'network';

export interface EngineConfig {
  dataRoot: string;
  execRoot: string;
  /** "runc" | "crun" | "auto" (probe crun, fall back to runc) */
  runtime?: string;
  /** the default `bridge` network: subnet (CIDR) and bridge device name */
  defaultBridge?: { subnet?: string; interfaceName?: string };
  /** registries reached over plain HTTP (host[:port] or CIDR), besides loopback (dockerd's --insecure-registry) */
  insecureRegistries?: string[];
  /** docker.io pull mirrors (dockerd's --registry-mirror) */
  registryMirrors?: string[];
  /** a signature policy file: registries whose images must be signed (see image/trust-policy.ts) */
  signaturePolicy?: string;
  /** the daemon's default logging driver and options (default: json-file capped at 20m x 3) */
  logConfig?: { type: string; config: Record<string, string> };
  /** dockerd's --userns-remap: "default" (the berthremap user), "user[:group]" or "uid[:gid]" */
  usernsRemap?: string;
  /** the daemon is rootless: root of a user namespace an unprivileged user made (daemon/rootless-launch.ts) */
  rootless?: boolean;
  /** dockerd's --storage-driver: "overlay2", or "fuse-overlayfs" (rootless only); unset = chosen at start */
  storageDriver?: string;
}

export interface Engine {
  readonly containers: ContainerService;
  readonly images: ImageService;
  readonly networks: NetworkService;
  readonly volumes: VolumeService;
  readonly builds: BuildService;
  /** kube play / down / generate */
  readonly kube: KubeService;
  readonly events: EventBus;
  /** Prometheus metrics (served by the daemon's --metrics-addr) */
  readonly metrics: EngineMetrics;
  readonly config: EngineConfig;
  /** the OCI runtime actually in use ("runc" | "crun") */
  readonly runtimeName: string;
  /** containers' cgroup namespace: private on cgroup v2, the host's on v1 (dockerd's default, and what runs) */
  readonly cgroupnsMode: 'private' | 'host';
  info(): Promise<SystemInfo>;
  /** `network connect`: attach a (running or stopped) container to a network */
  connectNetwork(network: string, container: string, opts: { aliases: string[]; ipv4Address?: string }): Promise<void>;
  /** `network disconnect` */
  disconnectNetwork(network: string, container: string, force: boolean): Promise<void>;
  /** Stop serving; running containers keep running under conmon. */
  close(): Promise<void>;
}

export { BERTH_VERSION, API_VERSION, MIN_API_VERSION } from '../base/version';

/** Options of `berth daemon` (resolved from defaults, daemon.json, BERTH_* env and flags). */
export interface DaemonOptions {
  dataRoot: string; // default /var/lib/berth
  execRoot: string; // default /run/berth
  hosts: string[]; // default ["unix:///run/berth/berth.sock"]
  runtime?: string; // "auto" | "runc" | "crun"
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** default bridge subnet as CIDR (Docker's --bip; host bits are ignored) */
  bip?: string;
  /** default bridge device name (Docker's --bridge) */
  bridge?: string;
  /** dockerd's --insecure-registry (repeatable) */
  insecureRegistries?: string[];
  /** signature policy file (registries whose images must be signed; image/trust-policy.ts) */
  signaturePolicy?: string;
  /** owner group of the unix sockets (dockerd's -G/--group; default "berth", as Docker's "docker") */
  socketGroup?: string;
  /** dockerd's --registry-mirror (repeatable) */
  registryMirrors?: string[];
  /** HOST:PORT of the web dashboard (off when unset) */
  uiAddr?: string;
  /** dockerd's --metrics-addr (daemon.json "metrics-addr"): host:port serving GET /metrics */
  metricsAddr?: string;
  /** the default logging driver (dockerd's --log-driver; default json-file) */
  logDriver?: string;
  /** its options (dockerd's --log-opt k=v, repeatable) */
  logOpts?: Record<string, string>;
  /** daemon.json (default /etc/berth/daemon.json when it exists): log-driver, log-opts, and the flags' keys */
  configFile?: string;
  /** dockerd's --userns-remap ("default", "user[:group]", "uid[:gid]") */
  usernsRemap?: string;
  /** resolves when the daemon listens (used by the CLI's auto-start and tests) */
  onReady?: () => void;
}

/**
 * Node flags every launcher of the daemon passes (CLI auto-start, bin/berth's
 * shebang, the test kit). V8 counts Buffer memory allocated since the last
 * full GC against the old-generation limit; the daemon's small heap (~10 MB)
 * leaves ~16 MB of room, so streaming layers (pull, load) ran a full GC every
 * 16 MB of network and gunzip buffers, ~30 per 200 MB pull. A 64 MB initial
 * old space removes them (200 MB pull: 0.80 s -> 0.56 s); it is a GC limit,
 * not memory taken up front.
 */
export const DAEMON_NODE_FLAGS: readonly string[] = ['--initial-old-space-size=64'];

export const DEFAULT_DATA_ROOT = '/var/lib/berth';
export const DEFAULT_EXEC_ROOT = '/run/berth';
export const DEFAULT_HOST = 'unix:///run/berth/berth.sock';
export const DEFAULT_SOCKET_GROUP = 'berth';
export const DEFAULT_CONFIG_FILE = '/etc/berth/daemon.json';

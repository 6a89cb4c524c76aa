import * as path from 'node:path';
import { InvalidArgumentError } from '../base/errors';

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
  /** dockerd's --storage-driver: overlay2, or fuse-overlayfs (rootless); unset = chosen at start */
  storageDriver?: string;
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

export interface DaemonDefaults {
  dataRoot: string;
  execRoot: string;
  host: string;
  configFile: string;
}

export const ROOTFUL_DEFAULTS: DaemonDefaults = { dataRoot: DEFAULT_DATA_ROOT, execRoot: DEFAULT_EXEC_ROOT, host: DEFAULT_HOST, configFile: DEFAULT_CONFIG_FILE };

/** dockerd-rootless's places, with berth for docker: XDG data and config dirs, and the user's runtime dir. */
export function rootlessDefaults(env: NodeJS.ProcessEnv): DaemonDefaults {
  const home = env.HOME || '/';
  const run = env.XDG_RUNTIME_DIR;
  if (!run) throw new InvalidArgumentError('rootless mode needs XDG_RUNTIME_DIR to be set (the user\'s runtime directory, e.g. /run/user/1000)');
  return {
    dataRoot: path.join(env.XDG_DATA_HOME || path.join(home, '.local', 'share'), 'berth'),
    execRoot: path.join(run, 'berth'),
    host: `unix://${path.join(run, 'berth.sock')}`,
    configFile: path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'berth', 'daemon.json'),
  };
}

export function daemonDefaults(rootless: boolean, env: NodeJS.ProcessEnv): DaemonDefaults {
  return rootless ? rootlessDefaults(env) : ROOTFUL_DEFAULTS;
}

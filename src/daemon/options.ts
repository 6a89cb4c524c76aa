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
  /** dockerd's --registry-mirror (repeatable) */
  registryMirrors?: string[];
  /** resolves when the daemon listens (used by the CLI's auto-start and tests) */
  onReady?: () => void;
}

export const DEFAULT_DATA_ROOT = '/var/lib/berth';
export const DEFAULT_EXEC_ROOT = '/run/berth';
export const DEFAULT_HOST = 'unix:///run/berth/berth.sock';

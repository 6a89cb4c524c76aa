/**
 * Daemon address resolution: `-H`, then BERTH_HOST, then DOCKER_HOST, then the default socket.
 * Owns parsing of `unix://` and `tcp://` addresses; knows nothing about HTTP.
 */
import { existsSync } from 'node:fs';

export const DEFAULT_CLIENT_HOST = 'unix:///run/berth/berth.sock';

export type DaemonAddress =
  | { kind: 'unix'; socketPath: string; url: string }
  | { kind: 'tcp'; host: string; port: number; url: string };

/** Parses `unix:///path`, a bare `/path`, `tcp://host:port` or `host:port` (docker's default port 2375). */
export function parseDaemonAddress(raw: string): DaemonAddress {
  const s = raw.trim();
  if (s.startsWith('unix://')) {
    const p = s.slice('unix://'.length);
    if (!p) throw new Error(`invalid daemon address: ${raw}`);
    return { kind: 'unix', socketPath: p, url: `unix://${p}` };
  }
  if (s.startsWith('/')) return { kind: 'unix', socketPath: s, url: `unix://${s}` };
  let rest = s;
  if (rest.startsWith('tcp://')) rest = rest.slice('tcp://'.length);
  else if (rest.includes('://')) throw new Error(`unsupported protocol in daemon address: ${raw}`);
  rest = rest.replace(/\/+$/, '');
  const m = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(rest);
  if (!m) throw new Error(`invalid daemon address: ${raw}`);
  const host = m[1] || '127.0.0.1';
  const port = m[2] ? Number(m[2]) : 2375;
  return { kind: 'tcp', host, port, url: `tcp://${host}:${port}` };
}

/**
 * The default socket: root's daemon, except for an unprivileged user with a runtime dir, whose own
 * rootless daemon listens in it (dockerd-rootless's place) — unless only root's daemon answers there
 * (a member of the socket's group), so both kinds of user keep working without -H.
 */
export function defaultClientHost(env: NodeJS.ProcessEnv, uid: number, exists: (p: string) => boolean): string {
  if (uid === 0 || !env.XDG_RUNTIME_DIR) return DEFAULT_CLIENT_HOST;
  const own = `${env.XDG_RUNTIME_DIR.replace(/\/+$/, '')}/berth.sock`;
  if (exists(own) || !exists(DEFAULT_CLIENT_HOST.slice('unix://'.length))) return `unix://${own}`;
  return DEFAULT_CLIENT_HOST;
}

/** Picks the address the way the docker CLI does: flag, then env, then default. */
export function resolveDaemonAddress(flag: string | undefined, env: NodeJS.ProcessEnv): DaemonAddress {
  return parseDaemonAddress(flag || env.BERTH_HOST || env.DOCKER_HOST || defaultClientHost(env, process.getuid?.() ?? 0, existsSync));
}

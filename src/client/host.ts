/**
 * Daemon address resolution: `-H`, then BERTH_HOST, then DOCKER_HOST, then the default socket.
 * Owns parsing of `unix://` and `tcp://` addresses; knows nothing about HTTP.
 */
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

/** Picks the address the way the docker CLI does: flag, then env, then default. */
export function resolveDaemonAddress(flag: string | undefined, env: NodeJS.ProcessEnv): DaemonAddress {
  return parseDaemonAddress(flag || env.BERTH_HOST || env.DOCKER_HOST || DEFAULT_CLIENT_HOST);
}

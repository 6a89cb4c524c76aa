/** `--ui-addr HOST:PORT` (`[::1]:PORT` for IPv6, `:PORT` for loopback) → where the UI listens. */
import { isIP } from 'node:net';
import { InvalidArgumentError } from '../../base/errors';

export interface UiAddress {
  host: string;
  port: number;
}

export function parseUiAddr(addr: string): UiAddress {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(addr.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new InvalidArgumentError(`invalid --ui-addr "${addr}": expected HOST:PORT, e.g. 127.0.0.1:9100`);
  const host = m[1] ?? (m[2] || '127.0.0.1');
  if (m[1] !== undefined && isIP(host) !== 6) throw new InvalidArgumentError(`invalid --ui-addr "${addr}": ${host} is not an IPv6 address`);
  return { host, port };
}

/** The URL a browser opens (a wildcard listen address is reached on loopback). */
export function uiUrl(a: UiAddress): string {
  const host = a.host === '0.0.0.0' ? '127.0.0.1' : a.host === '::' ? '::1' : a.host;
  return `http://${isIP(host) === 6 ? `[${host}]` : host}:${a.port}/`;
}

/** `-p`/`--expose` parsing into ExposedPorts + PortBindings (docker's nat.ParsePortSpecs). */
import type { PortBinding } from '../../client/wire-types';

export interface ParsedPorts {
  exposed: Record<string, Record<string, never>>;
  bindings: Record<string, PortBinding[]>;
}

function expandRange(range: string): number[] {
  const [a, b] = range.split('-');
  const start = Number(a);
  const end = b === undefined ? start : Number(b);
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > 65535) throw new Error(`invalid port range: ${range}`);
  const out: number[] = [];
  for (let p = start; p <= end; p++) out.push(p);
  return out;
}

/** Splits "[ip:]hostPort:containerPort[/proto]", keeping bracketed IPv6 addresses intact. */
function splitSpec(spec: string): { ip: string; host: string; container: string } {
  let rest = spec;
  let ip = '';
  const v6 = /^\[([^\]]+)\]:(.*)$/.exec(rest);
  if (v6) {
    ip = v6[1]!;
    rest = v6[2]!;
    const i = rest.indexOf(':');
    return { ip, host: rest.slice(0, i), container: rest.slice(i + 1) };
  }
  const parts = rest.split(':');
  if (parts.length === 1) return { ip: '', host: '', container: parts[0]! };
  if (parts.length === 2) return { ip: '', host: parts[0]!, container: parts[1]! };
  const container = parts.pop()!;
  const host = parts.pop()!;
  return { ip: parts.join(':'), host, container };
}

export function parsePortSpecs(publish: string[], expose: string[]): ParsedPorts {
  const exposed: ParsedPorts['exposed'] = {};
  const bindings: ParsedPorts['bindings'] = {};
  for (const e of expose) {
    const [range, proto = 'tcp'] = e.split('/');
    for (const p of expandRange(range!)) exposed[`${p}/${proto}`] = {};
  }
  for (const spec of publish) {
    const [main, proto = 'tcp'] = spec.split(/\/(?=[a-z]+$)/);
    const { ip, host, container } = splitSpec(main!);
    if (!container) throw new Error(`no port specified: ${spec}<empty>`);
    const cports = expandRange(container);
    const hports = host ? expandRange(host) : [];
    if (hports.length > 1 && hports.length !== cports.length) {
      // a host range with a single container port: docker binds the range to each container port
      if (cports.length !== 1) throw new Error(`invalid ranges specified for container and host Ports: ${container} and ${host}`);
    }
    cports.forEach((cp, i) => {
      const key = `${cp}/${proto}`;
      exposed[key] = {};
      const hostPort = hports.length === cports.length ? String(hports[i]) : hports.length > 1 ? `${hports[0]}-${hports[hports.length - 1]}` : host;
      (bindings[key] ??= []).push({ HostIp: ip, HostPort: hostPort });
    });
  }
  return { exposed, bindings };
}

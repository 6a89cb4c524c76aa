/**
 * Docker port publishing, pure: validate PortBindings/ExposedPorts as they come
 * from the API, plan which host ports to use, and render netavark's
 * port_mappings and the NetworkSettings.Ports map. Probing the host for free
 * ports is injected (see host-ports.ts), so this file has no side effects.
 */
import { isIP } from 'node:net';
import { InvalidArgumentError, InternalError } from '../base/errors';

export type PortProtocol = 'tcp' | 'udp' | 'sctp';

export interface ContainerPort {
  port: number;
  protocol: PortProtocol;
}

/** One host binding wanted for one container port; hostPort range [from,to], 0/0 = any. */
export interface PortRequest {
  containerPort: number;
  protocol: PortProtocol;
  hostIp: string; // "" = all addresses
  hostPortFrom: number;
  hostPortTo: number;
}

/** A host port actually bound for a container port. */
export interface PublishedPort {
  containerPort: number;
  protocol: PortProtocol;
  hostIp: string;
  hostPort: number;
}

export type PortBindingsSpec = Record<string, Array<{ hostIp: string; hostPort: string }>>;

/** Docker's `NetworkSettings.Ports` in core casing: exposed-only ports map to null. */
export type PortMap = Record<string, Array<{ hostIp: string; hostPort: string }> | null>;

/** netavark's port_mappings entry */
export interface NetavarkPortMapping {
  host_ip: string;
  container_port: number;
  host_port: number;
  range: number;
  protocol: PortProtocol;
}

function invalidSpec(s: string): InvalidArgumentError {
  return new InvalidArgumentError(`invalid port specification: ${JSON.stringify(s)}`, 'INVALID_PORT_SPEC');
}

/** "80", "80/tcp", "8000-8002/udp" → the ports it names (Docker's nat.ParsePortRange). */
function parseRange(s: string, original: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) throw invalidSpec(original);
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  if (a > 65535 || b > 65535 || b < a) throw invalidSpec(original);
  return [a, b];
}

function parseProtocol(p: string | undefined): PortProtocol {
  const proto = (p ?? 'tcp').toLowerCase();
  if (proto !== 'tcp' && proto !== 'udp' && proto !== 'sctp') throw new InvalidArgumentError(`invalid proto: ${p}`, 'INVALID_PORT_SPEC');
  return proto;
}

/** An ExposedPorts/PortBindings key ("80/tcp") → the container ports it names. */
export function parsePortKey(key: string): ContainerPort[] {
  const [portStr = '', proto] = key.split('/', 2);
  const protocol = parseProtocol(proto);
  const [a, b] = parseRange(portStr, portStr);
  if (a === 0) throw invalidSpec(portStr);
  const out: ContainerPort[] = [];
  for (let p = a; p <= b; p++) out.push({ port: p, protocol });
  return out;
}

export function portKey(p: { port?: number; containerPort?: number; protocol: PortProtocol }): string {
  return `${p.port ?? p.containerPort}/${p.protocol}`;
}

/**
 * Validates the bindings and turns them, plus publish-all over the exposed
 * ports, into one request per host binding. Docker's rules: HostPort "" or "0"
 * is any free port, "a-b" is any free port in the range; HostIp "" is all.
 */
export function planPortRequests(bindings: PortBindingsSpec, exposed: Record<string, object>, publishAll: boolean): PortRequest[] {
  const out: PortRequest[] = [];
  const bound = new Set<string>();
  for (const [key, list] of Object.entries(bindings)) {
    const ports = parsePortKey(key);
    for (const b of list ?? []) {
      const hostIp = b.hostIp ?? '';
      if (hostIp !== '' && isIP(hostIp) === 0) throw new InvalidArgumentError(`invalid IP address: ${hostIp}`, 'INVALID_PORT_SPEC');
      const hp = b.hostPort ?? '';
      const [from, to] = hp === '' ? [0, 0] : parseRange(hp.split('/')[0]!, hp);
      if (from === 0 && to !== 0) throw invalidSpec(hp);
      // A container range with an equal-sized host range maps one to one, as the CLI expands it.
      const oneToOne = ports.length > 1 && from !== 0 && to - from + 1 === ports.length;
      if (ports.length > 1 && from !== 0 && !oneToOne && from !== to) throw invalidSpec(hp);
      ports.forEach((p, i) => {
        bound.add(portKey(p));
        const f = oneToOne ? from + i : from;
        out.push({ containerPort: p.port, protocol: p.protocol, hostIp, hostPortFrom: f, hostPortTo: oneToOne ? f : to });
      });
    }
    if ((list ?? []).length === 0) for (const p of ports) bound.add(portKey(p));
  }
  if (publishAll) {
    for (const key of Object.keys(exposed)) {
      for (const p of parsePortKey(key)) {
        if (bound.has(portKey(p))) continue;
        bound.add(portKey(p));
        out.push({ containerPort: p.port, protocol: p.protocol, hostIp: '', hostPortFrom: 0, hostPortTo: 0 });
      }
    }
  } else {
    for (const key of Object.keys(exposed)) parsePortKey(key); // validate only
  }
  return out;
}

export interface PortChooser {
  /** ephemeral range for "any port" (Docker: 49153-65535, or ip_local_port_range) */
  ephemeral: [number, number];
  /** whether the port is already held by this daemon's containers */
  isAllocated(hostIp: string, port: number, protocol: PortProtocol): boolean;
  /** whether the host can bind it right now (a probe listen) */
  isFree(hostIp: string, port: number, protocol: PortProtocol): Promise<boolean>;
}

const SETUP_FAILED = 'failed to set up container networking: driver failed programming external connectivity on endpoint';

/** Docker 28's message for a host port another container holds; `endpoint` is "<container name> (<endpoint id>)". */
export function portAllocatedMessage(endpoint: string, hostIp: string, port: number): string {
  return `${SETUP_FAILED} ${endpoint}: Bind for ${hostIp || '0.0.0.0'}:${port} failed: port is already allocated`;
}

/** Docker 28's message for a host port something outside the daemon holds (its bind() failed). */
export function portInUseMessage(endpoint: string, r: PortRequest, containerIp: string): string {
  return `${SETUP_FAILED} ${endpoint}: failed to bind host port for ${r.hostIp || '0.0.0.0'}:${r.hostPortFrom}:${containerIp}:${r.containerPort}/${r.protocol}: address already in use`;
}

/**
 * Chooses a concrete host port for every request. A fixed port that is taken
 * fails with Docker's "port is already allocated"; "any" ports are tried from a
 * random start in the ephemeral range.
 */
export async function choosePorts(requests: PortRequest[], chooser: PortChooser, endpoint: string, random: () => number = Math.random, containerIp = ''): Promise<PublishedPort[]> {
  const chosen: PublishedPort[] = [];
  const taken = (ip: string, port: number, proto: PortProtocol) =>
    chooser.isAllocated(ip, port, proto) ||
    chosen.some((c) => c.hostPort === port && c.protocol === proto && (c.hostIp === ip || c.hostIp === '' || ip === ''));
  for (const r of requests) {
    const [lo, hi] = r.hostPortFrom === 0 ? chooser.ephemeral : [r.hostPortFrom, r.hostPortTo];
    const n = hi - lo + 1;
    const start = r.hostPortFrom === 0 ? Math.floor(random() * n) : 0;
    let got: number | undefined;
    let held = false;
    for (let i = 0; i < n && got === undefined; i++) {
      const port = lo + ((start + i) % n);
      if (taken(r.hostIp, port, r.protocol)) {
        held = true;
        continue;
      }
      if (!(await chooser.isFree(r.hostIp, port, r.protocol))) continue;
      got = port;
    }
    if (got === undefined) {
      if (r.hostPortFrom === 0) throw new InternalError('no free host ports left in the ephemeral range', 'PORT_ALLOCATED');
      // one fixed port: taken by a container of ours, or by something else on the host
      if (held || n > 1) throw new InternalError(portAllocatedMessage(endpoint, r.hostIp, r.hostPortFrom), 'PORT_ALLOCATED');
      throw new InternalError(portInUseMessage(endpoint, r, containerIp), 'PORT_IN_USE');
    }
    chosen.push({ containerPort: r.containerPort, protocol: r.protocol, hostIp: r.hostIp, hostPort: got });
  }
  return chosen;
}

export function toNetavarkPortMappings(ports: PublishedPort[]): NetavarkPortMapping[] {
  return ports.map((p) => ({ host_ip: p.hostIp, container_port: p.containerPort, host_port: p.hostPort, range: 1, protocol: p.protocol }));
}

/** NetworkSettings.Ports: every exposed or bound port; unpublished ones are null. */
export function toPortMap(published: PublishedPort[], exposed: Record<string, object>, bindings: PortBindingsSpec): PortMap {
  const map: PortMap = {};
  for (const key of [...Object.keys(exposed), ...Object.keys(bindings)]) {
    for (const p of parsePortKey(key)) map[portKey(p)] ??= null;
  }
  for (const p of published) {
    const k = portKey(p);
    const list = map[k] ?? [];
    list.push({ hostIp: p.hostIp || '0.0.0.0', hostPort: String(p.hostPort) });
    map[k] = list;
  }
  return map;
}

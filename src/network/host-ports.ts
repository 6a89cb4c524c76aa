/**
 * Probes the host for free ports. netavark only programs DNAT rules and binds
 * nothing, so a port held by a host process would silently be shadowed; Docker's
 * proxy would fail to bind, so we check the same way, with a probe listen.
 */
import * as net from 'node:net';
import * as dgram from 'node:dgram';
import { promises as fs } from 'node:fs';
import type { PortProtocol } from './ports';

export async function canBindPort(hostIp: string, port: number, protocol: PortProtocol): Promise<boolean> {
  if (protocol === 'sctp') return true; // node cannot probe SCTP
  if (protocol === 'udp') {
    return new Promise((resolve) => {
      const s = dgram.createSocket(hostIp.includes(':') ? 'udp6' : 'udp4');
      s.once('error', () => { s.close(); resolve(false); });
      s.bind(port, hostIp || undefined, () => s.close(() => resolve(true)));
    });
  }
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: hostIp || '0.0.0.0', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** Docker's default ephemeral range for published ports, narrowed to the kernel's if that is set. */
export async function ephemeralPortRange(): Promise<[number, number]> {
  try {
    const [a, b] = (await fs.readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')).trim().split(/\s+/).map(Number);
    if (a && b && a <= b) return [Math.max(a, 1024), b];
  } catch {
    // no procfs: fall back to Docker's range
  }
  return [49153, 65535];
}

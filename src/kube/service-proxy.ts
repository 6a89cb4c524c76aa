/**
 * Host ports of a NodePort/LoadBalancer Service with more than one pod: the daemon listens on the
 * host port and hands each TCP connection to the next running pod in turn (round robin), at that
 * pod's address on the namespace network and its targetPort. The pods are looked up per connection
 * from their infra containers' labels (service-ports.ts), so restarted pods with new addresses are
 * followed, and a restarted daemon listens again for what still runs (`sync`).
 * Chosen over DNAT rules with `statistic --mode nth`: those would be the daemon's own rules in the
 * host's nat chains beside netavark's (shared, raced), and 127.0.0.1 would need route_localnet and
 * masquerading for loopback sources; a userland proxy (as dockerd's docker-proxy) needs neither and
 * skips a pod that refuses. The cost: traffic passes through the daemon and stops while it is down.
 */
import * as net from 'node:net';
import { ConflictError } from '../base/errors';
import type { Logger } from '../base/logger';
import type { KubeEngine } from './engine-port';
import { KUBE_LABEL } from './labels';
import { listenerKey, parsePublished, type Published } from './service-ports';

interface Backend {
  ip: string;
  port: number;
}

export class ServiceProxies {
  private readonly servers = new Map<string, { server: net.Server; next: number; sockets: Set<net.Socket> }>();

  constructor(
    private readonly e: KubeEngine,
    private readonly logger: Logger,
  ) {}

  /** Listens on each port now (a port taken fails as Docker's publish does); a port already proxied is kept. */
  async open(ports: Published[]): Promise<void> {
    for (const p of ports) {
      const key = listenerKey(p);
      if (this.servers.has(key)) continue;
      const entry = { server: net.createServer({ allowHalfOpen: true }, (s) => this.relay(key, s, entry)), next: 0, sockets: new Set<net.Socket>() };
      await new Promise<void>((resolve, reject) => {
        entry.server.once('error', (err: NodeJS.ErrnoException) =>
          reject(err.code === 'EADDRINUSE' ? new ConflictError(`Bind for ${key} failed: port is already allocated`) : err),
        );
        entry.server.listen({ host: p.hostIp || '0.0.0.0', port: p.hostPort, exclusive: true }, resolve);
      });
      this.servers.set(key, entry);
    }
  }

  /** Listens for what running pods publish and stops listening where none does any more. */
  async sync(): Promise<void> {
    const wanted = new Map<string, Published>();
    for (const c of await this.e.containers.list({ all: true, filters: { label: [KUBE_LABEL.publish] } })) {
      for (const p of parsePublished(c.labels[KUBE_LABEL.publish])) wanted.set(listenerKey(p), p);
    }
    for (const key of [...this.servers.keys()]) if (!wanted.has(key)) this.stop(key);
    for (const p of wanted.values()) {
      await this.open([p]).catch((err: unknown) => this.logger.warn({ err, port: listenerKey(p) }, 'kube service port not proxied'));
    }
  }

  close(): void {
    for (const key of [...this.servers.keys()]) this.stop(key);
  }

  private stop(key: string): void {
    const s = this.servers.get(key);
    if (!s) return;
    this.servers.delete(key);
    s.server.close();
    for (const sock of s.sockets) sock.destroy();
  }

  private async backends(key: string): Promise<Backend[]> {
    const out: Backend[] = [];
    const running = await this.e.containers.list({ filters: { label: [KUBE_LABEL.publish] } });
    running.sort((a, b) => (a.labels[KUBE_LABEL.pod] ?? '').localeCompare(b.labels[KUBE_LABEL.pod] ?? ''));
    for (const c of running) {
      const p = parsePublished(c.labels[KUBE_LABEL.publish]).find((x) => listenerKey(x) === key);
      const ip = Object.values(c.networks).find((n) => n.ipAddress)?.ipAddress;
      if (p && ip) out.push({ ip, port: p.target });
    }
    return out;
  }

  /** The next pod in turn; one that refuses is skipped for the next, until each was tried once. */
  private relay(key: string, client: net.Socket, entry: { next: number; sockets: Set<net.Socket> }): void {
    client.pause();
    entry.sockets.add(client);
    client.once('close', () => entry.sockets.delete(client));
    client.on('error', () => undefined);
    void this.backends(key).then((list) => {
      const start = entry.next++;
      const attempt = (i: number): void => {
        if (i >= list.length || client.destroyed) {
          client.destroy();
          return;
        }
        const b = list[(start + i) % list.length]!;
        const upstream = net.connect({ host: b.ip, port: b.port, allowHalfOpen: true });
        upstream.once('connect', () => {
          upstream.removeAllListeners('error');
          // each direction ends on its own (half-close); a reset on either side ends both
          upstream.on('error', () => client.destroy());
          client.on('error', () => upstream.destroy());
          client.on('close', () => upstream.destroy());
          upstream.on('close', () => {
            if (!client.writableEnded) client.destroy();
          });
          client.pipe(upstream);
          upstream.pipe(client);
          client.resume();
        });
        upstream.once('error', () => attempt(i + 1));
      };
      attempt(0);
    }, () => client.destroy());
  }
}

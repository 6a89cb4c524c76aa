/** Connections of the remote drivers: a datagram per message (UDP), or a stream (TCP, unix socket). */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import type { NetAddress } from '../config';

export interface Transport {
  /** Sends the messages in order; rejects when the connection failed (the caller retries). */
  send(msgs: Buffer[]): Promise<void>;
  close(): void;
  readonly closed: boolean;
}

export function openTransport(a: NetAddress): Transport {
  return a.proto === 'udp' ? new UdpTransport(a) : new StreamTransport(a);
}

class UdpTransport implements Transport {
  private sock: UdpSocket | undefined;
  closed = false;
  constructor(private readonly a: NetAddress) {}

  async send(msgs: Buffer[]): Promise<void> {
    if (this.closed) throw new Error('closed');
    this.sock ??= createSocket(this.a.host.includes(':') ? 'udp6' : 'udp4').on('error', () => undefined);
    for (const m of msgs) {
      // a datagram nobody receives is lost like any UDP datagram; only local send errors reject
      await new Promise<void>((resolve, reject) => this.sock!.send(m, this.a.port, this.a.host, (e) => (e ? reject(e) : resolve())));
    }
  }

  close(): void {
    this.closed = true;
    this.sock?.close();
    this.sock = undefined;
  }
}

class StreamTransport implements Transport {
  private sock: Socket | undefined;
  private connecting: Promise<Socket> | undefined;
  closed = false;
  constructor(private readonly a: NetAddress) {}

  private open(): Promise<Socket> {
    if (this.sock && !this.sock.destroyed) return Promise.resolve(this.sock);
    this.connecting ??= new Promise<Socket>((resolve, reject) => {
      const s = this.a.path ? connect(this.a.path) : connect(this.a.port, this.a.host);
      s.setNoDelay(true);
      s.once('connect', () => {
        this.sock = s;
        this.connecting = undefined;
        resolve(s);
      });
      s.on('error', (e) => {
        this.connecting = undefined;
        s.destroy();
        reject(e);
      });
      s.on('data', () => undefined); // acks and the like are not awaited
    });
    return this.connecting;
  }

  async send(msgs: Buffer[]): Promise<void> {
    if (this.closed) throw new Error('closed');
    const s = await this.open();
    const buf = msgs.length === 1 ? msgs[0]! : Buffer.concat(msgs);
    await new Promise<void>((resolve, reject) => {
      s.write(buf, (e) => (e ? reject(e) : resolve()));
    });
  }

  close(): void {
    this.closed = true;
    this.sock?.destroy();
  }
}

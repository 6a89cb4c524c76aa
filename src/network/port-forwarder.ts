/**
 * Published ports of a rootless daemon's user-defined networks. Their containers sit behind bridges
 * in the rootless network namespace (rootless-netns.ts), out of the host's reach, and netavark's
 * DNAT rules there see no host traffic. So the daemon binds each host port itself (in its own,
 * the host's, namespace: a bind error is the caller's, synchronously) and passes the bound socket
 * over IPC to a child process that runs in the rootless namespace and connects to the container's
 * address (port-forwarder-child.ts), as rootlesskit's builtin port driver splits the two sides.
 *
 * Hand-written: the split across namespaces with socket handover is specific to this design.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import * as path from 'node:path';
import { InternalError, InvalidArgumentError, errorMessage } from '../base/errors';
import type { Logger } from '../base/logger';
import type { PublishedPort } from './ports';

export type ForwarderRequest =
  | { op: 'add'; seq: number; key: string; proto: 'tcp' | 'udp'; ip: string; port: number }
  | { op: 'remove'; seq: number; key: string };
export interface ForwarderReply {
  seq: number;
  error?: string;
}

const CHILD = path.join(__dirname, 'port-forwarder-child.js');

export class PortForwarder {
  private child: ChildProcess | undefined;
  private ready: Promise<ChildProcess> | undefined;
  private seq = 0;
  private readonly pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();

  /** `enter`: argv prefix that runs a command in the rootless network namespace ([]: this one) */
  constructor(private readonly enter: string[], private readonly log: Logger) {}

  /** Binds every port on the host and forwards it to `ip` in the namespace; all or nothing. */
  async add(key: string, ports: PublishedPort[], ip: string): Promise<void> {
    try {
      for (const p of ports) {
        if (p.protocol !== 'tcp' && p.protocol !== 'udp') throw new InvalidArgumentError(`rootless mode cannot publish ${p.protocol} ports`, 'ROOTLESS_PORT_PROTOCOL');
        const handle = p.protocol === 'tcp' ? await bindTcp(p) : await bindUdp(p);
        try {
          await this.request({ op: 'add', seq: 0, key, proto: p.protocol, ip, port: p.containerPort }, handle);
        } finally {
          handle.close(); // the child holds its own copy now
        }
      }
    } catch (e) {
      await this.remove(key).catch(() => undefined);
      throw e;
    }
  }

  async remove(key: string): Promise<void> {
    if (!this.child) return;
    await this.request({ op: 'remove', seq: 0, key });
  }

  /** Ends the child: every forwarded port closes with it. */
  async close(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    this.ready = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.disconnect();
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000).unref())]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }

  private start(): Promise<ChildProcess> {
    this.ready ??= new Promise<ChildProcess>((resolve, reject) => {
      const argv = [...this.enter, process.execPath, CHILD];
      const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
      child.on('message', (m: ForwarderReply) => {
        if (m.seq === 0) {
          this.child = child;
          resolve(child);
          return;
        }
        const p = this.pending.get(m.seq);
        this.pending.delete(m.seq);
        if (m.error) p?.reject(new InternalError(`port forwarder: ${m.error}`, 'PORT_FORWARDER'));
        else p?.resolve();
      });
      child.on('exit', (code, signal) => {
        const err = new InternalError(`the rootless port forwarder exited (${signal ?? code}): ${stderr.trim()}`, 'PORT_FORWARDER');
        if (this.child === child) this.log.warn({ err: err.message }, 'port forwarder exited');
        if (this.child === child || this.child === undefined) {
          this.child = undefined;
          this.ready = undefined;
        }
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
        reject(err);
      });
      child.on('error', (e) => reject(new InternalError(`starting the rootless port forwarder: ${errorMessage(e)}`, 'PORT_FORWARDER', { cause: e })));
    });
    return this.ready;
  }

  private async request(m: ForwarderRequest, handle?: net.Server | dgram.Socket): Promise<void> {
    const child = await this.start();
    const seq = ++this.seq;
    await new Promise<void>((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      child.send({ ...m, seq }, handle, (e) => {
        if (!e) return;
        this.pending.delete(seq);
        reject(e);
      });
    });
  }
}

function bindTcp(p: PublishedPort): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen({ host: p.hostIp || '0.0.0.0', port: p.hostPort, exclusive: true }, () => resolve(s));
  });
}

function bindUdp(p: PublishedPort): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', reject);
    s.bind({ address: p.hostIp || '0.0.0.0', port: p.hostPort, exclusive: true }, () => resolve(s));
  });
}

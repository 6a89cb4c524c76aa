/**
 * The rootless port forwarder's far end (see port-forwarder.ts). It runs in the rootless network
 * namespace, where the containers of user-defined networks are reachable; the daemon binds the host
 * ports in its own namespace and hands the bound sockets over IPC, so this process accepts on the
 * host's ports and connects inside. It exits when the daemon's IPC channel closes (the daemon
 * stopped or died): a restarted daemon binds the ports again.
 *
 * Hand-written: no npm library forwards sockets it did not bind itself across namespaces.
 */
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import type { ForwarderReply, ForwarderRequest } from './port-forwarder';

/** A UDP "connection" is a client address; it is dropped after this long without traffic. */
const UDP_IDLE_MS = 60_000;

/** closers of each key's forwards (its listener and the connections it carries) */
const forwards = new Map<string, Array<() => void>>();

function reply(r: ForwarderReply): void {
  process.send?.(r);
}

function forwardTcp(server: net.Server, ip: string, port: number): () => void {
  const open = new Set<net.Socket>();
  // a client that has sent all (half-close) still waits for the answer: each direction ends on its own
  (server as net.Server & { allowHalfOpen: boolean }).allowHalfOpen = true; // a received server's option, not in the typings
  server.on('connection', (client) => {
    const upstream = net.connect({ host: ip, port, allowHalfOpen: true });
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('close', () => open.delete(s));
    }
    const fail = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', fail);
    upstream.on('error', fail);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return () => {
    server.close();
    for (const s of open) s.destroy();
  };
}

function forwardUdp(socket: dgram.Socket, ip: string, port: number): () => void {
  const peers = new Map<string, { up: dgram.Socket; timer: NodeJS.Timeout }>();
  const drop = (key: string) => {
    const p = peers.get(key);
    if (!p) return;
    clearTimeout(p.timer);
    p.up.close();
    peers.delete(key);
  };
  socket.on('message', (msg, from) => {
    const key = `${from.address}:${from.port}`;
    let p = peers.get(key);
    if (!p) {
      const up = dgram.createSocket('udp4');
      up.on('message', (answer, src) => {
        if (src.address === ip && src.port === port) socket.send(answer, from.port, from.address);
      });
      up.on('error', () => drop(key));
      p = { up, timer: setTimeout(() => drop(key), UDP_IDLE_MS) };
      peers.set(key, p);
    }
    p.timer.refresh();
    p.up.send(msg, port, ip);
  });
  return () => {
    for (const key of [...peers.keys()]) drop(key);
    socket.close();
  };
}

function remove(key: string): void {
  for (const close of forwards.get(key) ?? []) close();
  forwards.delete(key);
}

process.on('message', (m: ForwarderRequest, handle: unknown) => {
  try {
    if (m.op === 'remove') {
      remove(m.key);
    } else {
      const close = m.proto === 'tcp' ? forwardTcp(handle as net.Server, m.ip, m.port) : forwardUdp(handle as dgram.Socket, m.ip, m.port);
      forwards.set(m.key, [...(forwards.get(m.key) ?? []), close]);
    }
    reply({ seq: m.seq });
  } catch (e) {
    reply({ seq: m.seq, error: e instanceof Error ? e.message : String(e) });
  }
});
process.on('disconnect', () => process.exit(0));
reply({ seq: 0 }); // ready

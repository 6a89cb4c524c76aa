import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { silentLogger } from '../base/logger';
import { PortForwarder } from './port-forwarder';

/** A port the kernel hands out now on 127.0.0.1. */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function tcpRoundTrip(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect({ host: '127.0.0.1', port }, () => c.end(text));
    let got = '';
    c.on('data', (d) => (got += d.toString()));
    c.on('end', () => resolve(got));
    c.on('error', reject);
  });
}

test('forwards TCP and UDP from a port it binds to the target, and stops on remove', async () => {
  // the target: an echo server of each kind, upper-casing so a loop back to the sender shows
  const tcp = net.createServer((s) => s.on('data', (d) => s.end(d.toString().toUpperCase())));
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
  const udp = dgram.createSocket('udp4');
  udp.on('message', (m, from) => udp.send(m.toString().toUpperCase(), from.port, from.address));
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
  const fw = new PortForwarder([], silentLogger); // in this namespace: the split is the same
  try {
    const [hostTcp, hostUdp] = [await freePort(), await freePort()];
    await fw.add('c1', [
      { protocol: 'tcp', hostIp: '127.0.0.1', hostPort: hostTcp, containerPort: (tcp.address() as net.AddressInfo).port },
      { protocol: 'udp', hostIp: '127.0.0.1', hostPort: hostUdp, containerPort: udp.address().port },
    ], '127.0.0.1');
    assert.equal(await tcpRoundTrip(hostTcp, 'hello'), 'HELLO');
    const client = dgram.createSocket('udp4');
    const answer = new Promise<string>((r) => client.once('message', (m) => r(m.toString())));
    client.send('ping', hostUdp, '127.0.0.1');
    assert.equal(await answer, 'PING');
    client.close();
    await assert.rejects(fw.add('c2', [{ protocol: 'tcp', hostIp: '127.0.0.1', hostPort: hostTcp, containerPort: 1 }], '127.0.0.1'), /EADDRINUSE/, 'a taken host port fails the add');
    await fw.remove('c1');
    await assert.rejects(tcpRoundTrip(hostTcp, 'x'), /ECONNREFUSED/, 'the port is released on remove');
  } finally {
    await fw.close();
    tcp.close();
    udp.close();
  }
});

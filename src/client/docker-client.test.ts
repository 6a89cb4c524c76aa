/**
 * The client's version and reachability handling against a scripted daemon on a temp
 * unix socket: no ping up front, fallback on "too new", pinned versions, auto-start.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { DockerClient } from './docker-client';
import { parseDaemonAddress } from './host';
import { API_VERSION } from '../base/version';

/** A daemon that speaks API versions up to `max` and records what it was asked. */
async function fakeDaemon(socket: string, max: string): Promise<{ seen: string[]; close: () => Promise<void> }> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => {
      const v = /^\/v([\d.]+)\//.exec(req.url ?? '')?.[1];
      res.setHeader('Api-Version', max);
      if (v && Number(v.split('.')[1]) > Number(max.split('.')[1])) {
        res.writeHead(400, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ message: `client version ${v} is too new. Maximum supported API version is ${max}` }));
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(req.method === 'HEAD' ? undefined : '[]');
    });
  });
  await new Promise<void>((r) => server.listen(socket, r));
  return { seen, close: () => new Promise((r) => server.close(() => r())) };
}

function tempSocket(): { dir: string; socket: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-client-'));
  return { dir, socket: path.join(dir, 'd.sock') };
}

test('optimistic: the first request goes out on our version, no ping', async () => {
  const { dir, socket } = tempSocket();
  const d = await fakeDaemon(socket, API_VERSION);
  const c = new DockerClient(parseDaemonAddress(socket), { optimistic: true });
  try {
    await c.containers.list({});
    await c.images.list({});
    assert.deepEqual(d.seen, [`GET /v${API_VERSION}/containers/json`, `GET /v${API_VERSION}/images/json`]);
  } finally {
    c.close();
    await d.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('optimistic: a daemon older than us answers "too new", then ping, negotiate, resend', async () => {
  const { dir, socket } = tempSocket();
  const d = await fakeDaemon(socket, '1.40');
  const c = new DockerClient(parseDaemonAddress(socket), { optimistic: true });
  try {
    await Promise.all([c.containers.list({}), c.images.list({})]);
    await c.networks.list();
    assert.equal(c.apiVersion, '1.40');
    assert.equal(d.seen.filter((s) => s === 'HEAD /_ping').length, 1);
    assert.deepEqual(d.seen.filter((s) => s.includes('/v1.40/')).sort(), ['GET /v1.40/containers/json', 'GET /v1.40/images/json', 'GET /v1.40/networks']);
  } finally {
    c.close();
    await d.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a body stream cannot be resent: it waits for a negotiation', async () => {
  const { dir, socket } = tempSocket();
  const d = await fakeDaemon(socket, '1.40');
  const c = new DockerClient(parseDaemonAddress(socket), { optimistic: true });
  try {
    const res = await c.images.load(Readable.from([Buffer.from('tar')]), true);
    res.resume();
    assert.deepEqual(d.seen, ['HEAD /_ping', 'POST /v1.40/images/load?quiet=1']);
  } finally {
    c.close();
    await d.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a pinned version (DOCKER_API_VERSION) is used as is, without a ping', async () => {
  const { dir, socket } = tempSocket();
  const d = await fakeDaemon(socket, '1.47');
  const c = new DockerClient(parseDaemonAddress(socket), { optimistic: true, apiVersion: '1.43' });
  try {
    await c.containers.list({});
    assert.deepEqual(d.seen, ['GET /v1.43/containers/json']);
  } finally {
    c.close();
    await d.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('nothing answers: the starter runs once and the requests are resent', async () => {
  const { dir, socket } = tempSocket();
  let starts = 0;
  let d: Awaited<ReturnType<typeof fakeDaemon>> | undefined;
  const c = new DockerClient(parseDaemonAddress(socket), {
    optimistic: true,
    onUnreachable: async () => {
      starts++;
      d = await fakeDaemon(socket, API_VERSION);
    },
  });
  try {
    await Promise.all([c.containers.list({}), c.images.list({})]);
    assert.equal(starts, 1);
    assert.deepEqual(d!.seen.sort(), [`GET /v${API_VERSION}/containers/json`, `GET /v${API_VERSION}/images/json`]);
  } finally {
    c.close();
    await d?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('nothing answers and no starter: DaemonUnreachableError', async () => {
  const { dir, socket } = tempSocket();
  const c = new DockerClient(parseDaemonAddress(socket), { optimistic: true });
  try {
    await assert.rejects(c.containers.list({}), { name: 'DaemonUnreachableError' });
  } finally {
    c.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import { silentLogger } from '../../base/logger';
import { createHttpServer } from './http-app';
import type { Handler } from './context';
import { hijack } from './hijack';
import { Router } from './router';

let dir: string;
let server: http.Server;
let sock: string;
/** what each handler saw: aborted, or its stream's input ended */
const seen: string[] = [];

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-httpapp-'));
  sock = path.join(dir, 's.sock');
  const router = new Router<Handler>();
  // a streaming answer that waits for its client to go away (a build step that prints nothing)
  router.add('POST', '/stream', async (ctx) => {
    ctx.res.writeHead(200, { 'Content-Type': 'application/json' });
    ctx.res.write('{}\n');
    await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
    seen.push('stream aborted');
    ctx.res.end();
  });
  // a hijacked stream (no Upgrade header): the client's half-close ends its input only
  router.add('POST', '/hijack', async (ctx) => {
    const s = await hijack(ctx, { standardHeaders: false });
    s.on('data', () => undefined);
    await new Promise<void>((resolve) => s.once('end', () => resolve()));
    seen.push(ctx.signal.aborted ? 'hijack aborted' : 'hijack input ended');
    s.end('bye');
  });
  server = createHttpServer({ router, maxVersion: '1.49', minVersion: '1.24', standardHeaders: {}, notFound: async (ctx) => void ctx.res.writeHead(404).end(), onError: (res) => void res.writeHead(500).end(), logger: silentLogger });
  await new Promise<void>((resolve) => server.listen(sock, resolve));
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await fs.rm(dir, { recursive: true, force: true });
});

/** Sends a request, waits for the first bytes of the answer, then half-closes; resolves with all it got. */
function halfClose(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect(sock);
    let got = '';
    c.on('error', reject);
    c.on('data', (d: Buffer) => {
      if (!got) c.end();
      got += d.toString();
    });
    c.on('close', () => resolve(got));
    c.write(`POST ${url} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n`);
  });
}

describe('http-app', () => {
  test('a client that goes away (end of its input) aborts a streaming request', { timeout: 5000 }, async () => {
    const got = await halfClose('/stream');
    assert.match(got, /^HTTP\/1\.1 200/);
    assert.deepEqual(seen.splice(0), ['stream aborted']);
  });

  test('a hijacked stream\'s half-close ends only its input: the answer still comes', { timeout: 5000 }, async () => {
    const got = await halfClose('/hijack');
    assert.match(got, /bye$/);
    assert.deepEqual(seen.splice(0), ['hijack input ended']);
  });
});

/** The server kit over a real unix socket: headers, prefix, errors, JSON lines, both hijack forms with half-close. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { silentLogger } from '../../src/base/logger';
import { NotFoundError } from '../../src/base/errors';
import { API_VERSION, MIN_API_VERSION } from '../../src/base/version';
import { Router } from '../../src/api/http/router';
import type { Handler } from '../../src/api/http/context';
import { createHttpServer } from '../../src/api/http/http-app';
import { sendJson } from '../../src/api/http/respond';
import { JsonLinesWriter } from '../../src/api/http/json-lines';
import { hijack } from '../../src/api/http/hijack';
import { createErrorHook } from '../../src/api/docker/errors';
import { dockerStandardHeaders } from '../../src/api/docker/server';

let dir = '';
let sock = '';
let server: http.Server;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-kit-'));
  sock = path.join(dir, 'api.sock');
  const router = new Router<Handler>()
    .add('GET', '/echo', async (ctx) => sendJson(ctx.res, 200, { version: ctx.apiVersion, path: ctx.path }))
    .add('POST', '/json', async (ctx) => sendJson(ctx.res, 200, { got: (await ctx.json()) ?? null }))
    .add('GET', '/missing', async () => {
      throw new NotFoundError('container', 'x');
    })
    .add('POST', '/progress', async (ctx) => {
      const w = new JsonLinesWriter(ctx.res);
      await w.write({ status: 'one' });
      await w.writeError('boom');
      w.end();
    })
    .add('POST', '/hijack', async (ctx) => {
      const body = await ctx.json<{ tag?: string }>();
      const s = await hijack(ctx, { standardHeaders: false, multiplexed: ctx.query.bool('mux') });
      s.write(`hello ${body?.tag ?? ''}\n`);
      s.on('data', (b: Buffer) => s.write(b.toString().toUpperCase()));
      // keep writing after the client's half-close, then close
      s.on('end', () => setTimeout(() => s.end('bye\n'), 20));
    });
  server = createHttpServer({
    router,
    maxVersion: API_VERSION,
    minVersion: MIN_API_VERSION,
    standardHeaders: dockerStandardHeaders(),
    notFound: async (ctx) => sendJson(ctx.res, 404, { message: 'page not found' }),
    onError: createErrorHook(silentLogger),
    logger: silentLogger,
  });
  await new Promise<void>((r) => server.listen(sock, r));
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  fs.rmSync(dir, { recursive: true, force: true });
});

function request(method: string, p: string, body?: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: sock, method, path: p, headers: body ? { 'Content-Type': 'application/json' } : {} }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends raw bytes, half-closes after `input`, returns everything the server sent. */
function raw(payload: string, input: string): Promise<string> {
  let halfClosed = false;
  return new Promise((resolve, reject) => {
    const c = net.connect(sock);
    let out = '';
    c.setEncoding('utf8');
    c.on('data', (d: string) => {
      out += d;
      if (!halfClosed && out.includes('hello')) {
        halfClosed = true;
        c.end(input); // stdin (if any), then half-close
      }
    });
    c.on('end', () => resolve(out));
    c.on('error', reject);
    c.write(payload);
  });
}

test('standard headers and version prefix', async () => {
  const r = await request('GET', '/v1.40/echo');
  assert.equal(r.status, 200);
  assert.deepEqual(JSON.parse(r.body), { version: '1.40', path: '/echo' });
  assert.equal(r.headers['api-version'], API_VERSION);
  assert.equal(r.headers['docker-experimental'], 'false');
  assert.equal(r.headers['ostype'], 'linux');
  assert.match(String(r.headers['server']), /^Berth\/[\d.]+ \(linux\)$/);
  assert.equal(JSON.parse((await request('GET', '/echo')).body).version, API_VERSION);
});

test('too-new version → 400 with dockerd message', async () => {
  const r = await request('GET', '/v1.99/echo');
  assert.equal(r.status, 400);
  assert.equal(r.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(r.body), { message: `client version 1.99 is too new. Maximum supported API version is ${API_VERSION}` });
});

test('unknown route → 404 page not found; typed error → mapped status', async () => {
  const r = await request('GET', '/nope');
  assert.equal(r.status, 404);
  assert.deepEqual(JSON.parse(r.body), { message: 'page not found' });
  const m = await request('GET', '/missing');
  assert.equal(m.status, 404);
  assert.deepEqual(JSON.parse(m.body), { message: 'No such container: x' });
  const h = await request('HEAD', '/missing');
  assert.equal(h.status, 404);
  assert.equal(h.body, '');
});

test('malformed JSON body → 400; empty body → undefined', async () => {
  const bad = await request('POST', '/json', '{"a":');
  assert.equal(bad.status, 400);
  assert.match(JSON.parse(bad.body).message, /invalid JSON/);
  assert.deepEqual(JSON.parse((await request('POST', '/json')).body), { got: null });
  assert.deepEqual(JSON.parse((await request('POST', '/json', '{"a":1}')).body), { got: { a: 1 } });
});

test('JSON-lines progress: chunked, \\r\\n-terminated, error line mid-stream', async () => {
  const r = await request('POST', '/progress');
  assert.equal(r.status, 200);
  assert.equal(r.headers['transfer-encoding'], 'chunked');
  assert.equal(r.body, '{"status":"one"}\r\n{"errorDetail":{"message":"boom"},"error":"boom"}\r\n');
});

test('hijack with Upgrade: 101 UPGRADED, body read, output continues after client half-close', async () => {
  const body = '{"tag":"up"}';
  const out = await raw(
    `POST /v1.41/hijack HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    'abc',
  );
  const [head, rest] = out.split('\r\n\r\n', 2) as [string, string];
  assert.match(head, /^HTTP\/1\.1 101 UPGRADED\r\n/);
  assert.match(head, /Content-Type: application\/vnd\.docker\.raw-stream/);
  assert.match(head, /Upgrade: tcp/);
  assert.doesNotMatch(head, /Api-Version/, 'attach-style hijack carries no standard headers');
  assert.equal(rest, 'hello up\nABCbye\n');
});

test('hijack with Upgrade names a stdcopy stream multiplexed from API 1.42, raw before', async () => {
  const head = async (v: string) => {
    const out = await raw(`POST /v${v}/hijack?mux=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n`, '');
    return out.split('\r\n\r\n', 1)[0]!;
  };
  assert.match(await head('1.42'), /Content-Type: application\/vnd\.docker\.multiplexed-stream/);
  assert.match(await head('1.41'), /Content-Type: application\/vnd\.docker\.raw-stream/);
});

// In this form client bytes after the body are not forwarded (no recorded client sends any); half-close is.
test('hijack without Upgrade: 200 raw-stream, no length, no chunking, closed by server', async () => {
  const body = '{"tag":"plain"}';
  const out = await raw(`POST /hijack HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`, '');
  const [head, rest] = out.split('\r\n\r\n', 2) as [string, string];
  assert.match(head, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(head, /Content-Type: application\/vnd\.docker\.raw-stream/);
  assert.doesNotMatch(head, /Content-Length|Transfer-Encoding/i);
  assert.equal(rest, 'hello plain\nbye\n');
});

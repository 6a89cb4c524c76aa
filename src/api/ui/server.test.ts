/**
 * The dashboard's door over a stub engine: what it serves, which Docker routes it lets through,
 * that changes need the token and that foreign Host names are refused. The browser test
 * (test/e2e/ui) drives the same door against a real daemon.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { silentLogger } from '../../base/logger';
import { NotFoundError } from '../../base/errors';
import type { Engine } from '../../engine/types';
import { loadAssets } from './assets';
import { parseUiAddr, uiUrl } from './address';
import { createUiServer, hostAllowed } from './server';
import { bearerMatches, newUiToken, writeUiToken } from './token';

const TOKEN = newUiToken();
const calls: string[] = [];
const engine = {
  containers: {
    list: async () => [],
    stop: async (id: string) => {
      if (id !== 'c1') throw new NotFoundError('container', id);
      calls.push(`stop ${id}`);
    },
    create: async () => calls.push('create'),
  },
  images: { remove: async (ref: string) => (calls.push(`rmi ${ref}`), []) },
  networks: {},
  volumes: {},
  events: {},
} as unknown as Engine;

let dir: string;
let server: http.Server;
let port: number;

function req(method: string, p: string, headers: http.OutgoingHttpHeaders = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const r = http.request({ host: '127.0.0.1', port, method, path: p, headers }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    r.on('error', reject);
    r.end();
  });
}
const auth = { Authorization: `Bearer ${TOKEN}` };

describe('web UI door', () => {
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-ui-'));
    await fs.mkdir(path.join(dir, 'assets'));
    await fs.writeFile(path.join(dir, 'index.html'), '<!doctype html><title>Berth</title>');
    await fs.writeFile(path.join(dir, 'assets', 'main-AB12.js'), 'console.log(1)');
    await fs.writeFile(path.join(dir, 'assets', 'main-AB12.js.br'), 'BROTLI');
    server = createUiServer({ engine, token: TOKEN, assets: await loadAssets(dir), listenHost: '127.0.0.1', logger: silentLogger });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  test('serves the page with a strict CSP, hashed assets for good, the compressed twin when asked', async () => {
    const page = await req('GET', '/');
    assert.equal(page.status, 200);
    assert.match(page.body, /<title>Berth/);
    assert.equal(page.headers['cache-control'], 'no-cache');
    assert.match(String(page.headers['content-security-policy']), /default-src 'none'; script-src 'self'/);
    const js = await req('GET', '/assets/main-AB12.js', { 'Accept-Encoding': 'gzip, br' });
    assert.deepEqual([js.status, js.body, js.headers['content-encoding']], [200, 'BROTLI', 'br']);
    assert.match(String(js.headers['cache-control']), /immutable/);
    assert.equal((await req('GET', '/assets/main-AB12.js')).body, 'console.log(1)');
    assert.equal((await req('GET', '/assets/nope.js')).status, 404);
  });

  test('reads need no token; changes need the right one', async () => {
    const list = await req('GET', '/api/containers/json?all=1');
    assert.deepEqual([list.status, list.body], [200, '[]\n']);
    for (const headers of [{}, { Authorization: 'Bearer wrong' }, { Authorization: TOKEN }]) {
      const r = await req('POST', '/api/containers/c1/stop', headers);
      assert.equal(r.status, 401);
      assert.match(JSON.parse(r.body).message, /read-only until you log in/);
      assert.match(String(r.headers['www-authenticate']), /^Bearer/);
    }
    assert.deepEqual(calls, []);
    assert.equal((await req('POST', '/api/containers/c1/stop', auth)).status, 204);
    assert.deepEqual(calls, ['stop c1']);
    // Docker's own errors come through in Docker's shape
    const missing = await req('POST', '/api/containers/zz/stop', auth);
    assert.deepEqual([missing.status, JSON.parse(missing.body).message], [404, 'No such container: zz']);
    // an image reference with '/' and ':' reaches the route percent-encoded, as the page sends it
    assert.equal((await req('DELETE', `/api/images/${encodeURIComponent('reg:5000/a/b:1')}`, auth)).status, 200);
    assert.equal(calls.at(-1), 'rmi reg:5000/a/b:1');
  });

  test('routes the page does not use are not there, token or not', async () => {
    for (const [method, p] of [['POST', '/api/containers/create'], ['POST', '/api/containers/c1/exec'], ['GET', '/api/containers/c1/json'], ['POST', '/api/containers/c1/attach'], ['POST', '/api/build'], ['GET', '/api/info'], ['PUT', '/api/containers/c1/archive']] as const) {
      const r = await req(method, p, auth);
      assert.equal(r.status, 404, `${method} ${p}`);
    }
    assert.ok(!calls.includes('create'));
  });

  test('/session tells the page whether its token is good', async () => {
    assert.equal((await req('GET', '/session')).status, 401);
    assert.equal((await req('GET', '/session', auth)).status, 204);
  });

  test('a foreign Host (DNS rebinding) is refused; IP literals, localhost and the listen host are served', async () => {
    const r = await req('GET', '/api/containers/json', { Host: `attacker.example:${port}` });
    assert.equal(r.status, 403);
    assert.equal((await req('GET', '/', { Host: `attacker.example:${port}` })).status, 403);
    assert.equal((await req('GET', '/', { Host: `localhost:${port}` })).status, 200);
    assert.ok(hostAllowed('[::1]:80', '127.0.0.1'));
    assert.ok(hostAllowed('box.lan:9100', 'box.lan'));
    assert.ok(!hostAllowed(undefined, '127.0.0.1'));
    assert.ok(!hostAllowed('127.0.0.1.nip.io', '127.0.0.1'));
  });

  test('token: 0600 file, bearer comparison', async () => {
    const f = await writeUiToken(dir, TOKEN);
    assert.equal((await fs.stat(f)).mode & 0o777, 0o600);
    assert.equal(await fs.readFile(f, 'utf8'), `${TOKEN}\n`);
    assert.ok(bearerMatches(`Bearer ${TOKEN}`, TOKEN));
    assert.ok(bearerMatches(`bearer  ${TOKEN} `, TOKEN));
    assert.ok(!bearerMatches(`Bearer ${TOKEN}x`, TOKEN));
    assert.ok(!bearerMatches(`Basic ${TOKEN}`, TOKEN));
    assert.notEqual(newUiToken(), TOKEN);
  });

  test('--ui-addr forms', () => {
    assert.deepEqual(parseUiAddr('127.0.0.1:9100'), { host: '127.0.0.1', port: 9100 });
    assert.deepEqual(parseUiAddr(':9100'), { host: '127.0.0.1', port: 9100 });
    assert.deepEqual(parseUiAddr('[::1]:0'), { host: '::1', port: 0 });
    assert.equal(uiUrl({ host: '0.0.0.0', port: 80 }), 'http://127.0.0.1:80/');
    assert.equal(uiUrl({ host: '::1', port: 80 }), 'http://[::1]:80/');
    for (const bad of ['9100', '127.0.0.1', 'host:99999', '[nope]:1', '1.2.3.4:x']) assert.throws(() => parseUiAddr(bad), /invalid --ui-addr/, bad);
  });

  test('an unbuilt UI is a clear error', async () => {
    await assert.rejects(loadAssets(path.join(dir, 'missing')), /web UI is not built.*npm run build/);
  });
});

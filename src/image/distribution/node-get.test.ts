import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpGet } from './node-get';

async function serve(handler: http.RequestListener): Promise<{ base: string; close: () => Promise<void> }> {
  const s = http.createServer(handler);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { base: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => { s.close(() => r()); s.closeAllConnections(); }) };
}

test('a redirect to another host is followed without the Authorization header', async (t) => {
  const seen: Array<string | undefined> = [];
  const storage = await serve((req, res) => {
    seen.push(req.headers.authorization);
    res.end('blob-bytes');
  });
  t.after(storage.close);
  const registry = await serve((req, res) => {
    seen.push(req.headers.authorization);
    if (req.url === '/same') return void res.writeHead(307, { Location: '/final' }).end();
    if (req.url === '/final') return void res.end('same-host');
    res.writeHead(307, { Location: `${storage.base}/b` }).end();
  });
  t.after(registry.close);

  const read = async (url: string) => {
    const res = await httpGet(url, { Authorization: 'Bearer t' });
    let body = '';
    for await (const c of res) body += String(c);
    return body;
  };
  assert.equal(await read(`${registry.base}/v2/x/blobs/sha256:00`), 'blob-bytes');
  assert.deepEqual(seen, ['Bearer t', undefined]);
  seen.length = 0;
  assert.equal(await read(`${registry.base}/same`), 'same-host');
  assert.deepEqual(seen, ['Bearer t', 'Bearer t']);
});

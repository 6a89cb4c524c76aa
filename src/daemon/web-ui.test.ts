/** startWebUi: the token is logged and kept in a 0600 file while the UI listens, and gone after. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createStreamLogger } from '../base/logger';
import type { Engine } from '../engine/types';
import { startWebUi } from './web-ui';

const engine = { containers: {}, images: {}, networks: {}, volumes: {}, events: {} } as unknown as Engine;

function status(url: string, headers: http.OutgoingHttpHeaders = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

test('the token: logged, in a 0600 file while the UI listens, removed at close; a taken port fails cleanly', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-webui-'));
  const blocker = net.createServer();
  try {
    await fs.writeFile(path.join(dir, 'index.html'), '<!doctype html>');
    const lines: string[] = [];
    const logger = createStreamLogger((l) => lines.push(l), 'info');
    const ui = await startWebUi(engine, '127.0.0.1:0', dir, logger, dir);
    const rec = JSON.parse(lines.find((l) => l.includes('web UI listening'))!) as { url: string; token: string; tokenFile: string };
    assert.equal(rec.tokenFile, path.join(dir, 'ui-token'));
    assert.equal((await fs.stat(rec.tokenFile)).mode & 0o777, 0o600);
    assert.equal((await fs.readFile(rec.tokenFile, 'utf8')).trim(), rec.token);
    assert.equal(await status(`${rec.url}session`, { Authorization: `Bearer ${rec.token}` }), 204);
    assert.ok(!lines.some((l) => l.includes('beyond loopback')));
    await ui.close();
    await assert.rejects(fs.stat(rec.tokenFile), { code: 'ENOENT' });

    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    await assert.rejects(startWebUi(engine, `127.0.0.1:${port}`, dir, logger, dir), { code: 'EADDRINUSE' });
    await assert.rejects(fs.stat(rec.tokenFile), { code: 'ENOENT' });
  } finally {
    blocker.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
});

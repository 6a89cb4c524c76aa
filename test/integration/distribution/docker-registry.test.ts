/**
 * Push and pull against Debian's docker-registry (the reference distribution
 * server), started with its own config on 127.0.0.1:<free port> and a temp
 * storage dir. Skipped, with the reason shown, when the binary is missing.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { test, type TestContext } from 'node:test';
import { parseReference } from '../../../src/image/reference';
import { pullImage } from '../../../src/image/distribution/pull';
import { pushImage } from '../../../src/image/distribution/push';
import { importBusybox, openStore, recorder, tempDir } from './kit';

const BIN = '/usr/bin/docker-registry';

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function startDockerRegistry(t: TestContext): Promise<string> {
  const dir = await tempDir(t, 'docker-registry');
  const port = await freePort();
  const cfg = path.join(dir, 'config.yml');
  await fs.writeFile(cfg, `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(dir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n`);
  const child = spawn(BIN, ['serve', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  t.after(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
  const host = `127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${stderr}`);
    const ok = await fetch(`http://${host}/v2/`).then((r) => r.ok, () => false);
    if (ok) return host;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`docker-registry did not start: ${stderr}`);
}

test('round trip through docker-registry: push, pull by tag and digest, re-push finds the layers', { skip: existsSync(BIN) ? false : `${BIN} is not installed` }, async (t) => {
  const host = await startDockerRegistry(t);
  const a = await openStore(t);
  const name = `${host}/rt/bb`;
  const id = await importBusybox(a, `${name}:v1`);
  const pushed = await pushImage(a.pushDeps, parseReference(`${name}:v1`), { onProgress: () => undefined });
  const b = await openStore(t);
  const byTag = await pullImage(b.pullDeps, parseReference(`${name}:v1`), { onProgress: () => undefined });
  assert.equal(byTag.id, id);
  assert.equal(byTag.digest, pushed.digest);
  const c = await openStore(t);
  const byDigest = await pullImage(c.pullDeps, parseReference(`${name}@${pushed.digest}`), { onProgress: () => undefined });
  assert.equal(byDigest.id, id);
  const again = recorder();
  await pushImage(a.pushDeps, parseReference(`${name}:v1`), { onProgress: again.sink });
  assert.ok(again.statuses().includes('Layer already exists'));
  await assert.rejects(pullImage(c.pullDeps, parseReference(`${name}:nope`), { onProgress: () => undefined }), {
    message: new RegExp(`^manifest for ${host.replace(/\./g, '\\.')}/rt/bb:nope not found: manifest unknown: manifest unknown`),
  });
});

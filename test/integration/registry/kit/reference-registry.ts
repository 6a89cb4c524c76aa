/**
 * Debian's reference registry (/usr/bin/docker-registry, CNCF distribution 2.8)
 * as a child process on 127.0.0.1:<free port> with its own temp storage, optionally
 * with htpasswd or token auth. It can be stopped and started again on the same
 * storage (a proxy test needs its upstream to go away); `t.after` kills it and
 * removes the storage even when the test fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestContext } from 'node:test';
import { freePort } from '../../../kit/ports';

export const DOCKER_REGISTRY_BIN = '/usr/bin/docker-registry';
export const referenceRegistrySkip = (): string | false => (existsSync(DOCKER_REGISTRY_BIN) ? false : `${DOCKER_REGISTRY_BIN} is not installed`);

export interface ReferenceRegistryOptions {
  htpasswd?: string;
  token?: { realm: string; service: string; issuer: string; rootcertbundle: string };
}

export interface ReferenceRegistry {
  /** 127.0.0.1:PORT */
  host: string;
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}


export async function startReferenceRegistry(t: TestContext, opts: ReferenceRegistryOptions = {}): Promise<ReferenceRegistry> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-refreg-'));
  let child: ChildProcess | undefined;
  let stderr = '';
  const stop = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await exited;
  };
  // One hook, so the process is gone before its storage is removed.
  t.after(async () => {
    await stop();
    await fs.rm(dir, { recursive: true, force: true });
  });
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  let auth = '';
  if (opts.htpasswd) auth = `auth:\n  htpasswd:\n    realm: reference\n    path: ${opts.htpasswd}\n`;
  if (opts.token) {
    const k = opts.token;
    auth = `auth:\n  token:\n    realm: ${k.realm}\n    service: ${k.service}\n    issuer: ${k.issuer}\n    rootcertbundle: ${k.rootcertbundle}\n`;
  }
  const cfg = path.join(dir, 'config.yml');
  await fs.writeFile(
    cfg,
    `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(dir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: ${host}\n${auth}`,
  );
  const start = async (): Promise<void> => {
    const c = spawn(DOCKER_REGISTRY_BIN, ['serve', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = c;
    c.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    for (let i = 0; i < 100; i++) {
      if (c.exitCode !== null) break;
      // any HTTP answer (200 or an auth challenge) means it is serving
      if (await fetch(`http://${host}/v2/`).then(() => true, () => false)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    await stop();
    throw new Error(`docker-registry did not start: ${stderr}`);
  };
  await start();
  return { host, url: `http://${host}`, stop, start };
}

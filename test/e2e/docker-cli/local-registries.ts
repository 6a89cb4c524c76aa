/**
 * Registries on 127.0.0.1 for e2e tests and benchmarks: ours (in process)
 * and Debian's reference docker-registry (a child process), each on a free port.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startRegistry } from '../../../src/registry/server';
import { freePort } from '../../kit/ports';
export { freePort };

export const DOCKER_REGISTRY_BIN = '/usr/bin/docker-registry';
export const hasDockerRegistry = (): boolean => existsSync(DOCKER_REGISTRY_BIN);

export interface LocalRegistry {
  /** "127.0.0.1:PORT" as image references name it */
  host: string;
  close(): Promise<void>;
}


/** Our registry; with `user`, Basic auth from an htpasswd bcrypt line made by `htpasswd -nbB`. */
export async function startBerthRegistry(opts: { user?: { name: string; password: string } } = {}): Promise<LocalRegistry> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-reg-'));
  try {
    let htpasswd: string | undefined;
    if (opts.user) {
      htpasswd = path.join(dir, 'htpasswd');
      await fs.writeFile(htpasswd, execFileSync('htpasswd', ['-nbB', opts.user.name, opts.user.password]));
    }
    const r = await startRegistry({ addr: '127.0.0.1:0', data: path.join(dir, 'data'), ...(htpasswd ? { htpasswd } : {}) });
    return {
      host: r.host,
      close: async () => {
        await r.close();
        await fs.rm(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await fs.rm(dir, { recursive: true, force: true });
    throw e;
  }
}

/** Debian's docker-registry with filesystem storage in a temp dir. */
export async function startDockerRegistry(): Promise<LocalRegistry> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'docker-reg-'));
  const port = await freePort();
  const cfg = path.join(dir, 'config.yml');
  await fs.writeFile(cfg, `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(dir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n`);
  const child = spawn(DOCKER_REGISTRY_BIN, ['serve', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    await fs.rm(dir, { recursive: true, force: true });
  };
  const host = `127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) break;
    if (await fetch(`http://${host}/v2/`).then((r) => r.ok, () => false)) return { host, close };
    await new Promise((r) => setTimeout(r, 100));
  }
  await close();
  throw new Error(`docker-registry did not start: ${stderr}`);
}

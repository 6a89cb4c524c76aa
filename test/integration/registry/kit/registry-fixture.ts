/**
 * A Berth registry on 127.0.0.1:<random> with its own temp data dir, closed and
 * removed by `t.after` even when the test fails. Plus a raw HTTP client that sends
 * paths unnormalised (fetch would resolve `..`) and an async skopeo runner
 * (a sync spawn would block the event loop the in-process server runs on).
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';
import { startRegistry, type RunningRegistry, type StartRegistryOptions } from '../../../../src/registry/server.js';

const execFileAsync = promisify(execFile);

export async function makeTempDir(t: TestContext, prefix: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `berth-${prefix}-`));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

export async function startTestRegistry(t: TestContext, opts: Partial<StartRegistryOptions> = {}): Promise<RunningRegistry & { data: string }> {
  const data = opts.data ?? path.join(await makeTempDir(t, 'registry'), 'data');
  const r = await startRegistry({ addr: '127.0.0.1:0', ...opts, data });
  t.after(() => r.close());
  return { ...r, data };
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  json<T = unknown>(): T;
}

export interface RawRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** a raw path and query, sent as is */
  path: string;
}

export function request(baseUrl: string, req: RawRequest): Promise<RawResponse> {
  const u = new URL(baseUrl);
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const r = mod.request(
      { host: u.hostname, port: u.port, method: req.method ?? 'GET', path: req.path, headers: req.headers, rejectUnauthorized: false, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: <T>() => JSON.parse(body.toString('utf8')) as T });
        });
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(req.body);
  });
}

export async function skopeo(args: string[]): Promise<{ stdout: string; stderr: string }> {
  try {
    return await execFileAsync('skopeo', ['--insecure-policy', ...args], { maxBuffer: 64 * 1024 * 1024 });
  } catch (e) {
    const err = e as Error & { stderr?: string };
    throw new Error(`skopeo ${args.join(' ')} failed: ${err.stderr ?? err.message}`);
  }
}

/** Files (recursively) under `dir`, relative paths. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await fs.readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  await walk(dir);
  return out.sort();
}

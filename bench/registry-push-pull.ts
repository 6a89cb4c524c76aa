/**
 * skopeo push/pull of a ~200 MB, 4-layer image of random data (made here) to the
 * Berth registry and to Debian's docker-registry (Docker distribution), both on
 * 127.0.0.1 with temp storage. Prints seconds per operation and Berth/reference ratios.
 * Run: npx tsc -p . && node dist/bench/registry-push-pull.js [totalMiB=200] [runs=3]
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { MediaTypes } from '../src/protocol/oci/image.js';
import { startRegistry } from '../src/registry/server.js';
import { median } from './measure';

const run = promisify(execFile);

async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of (await fs.open(file)).createReadStream()) h.update(c as Buffer);
  return 'sha256:' + h.digest('hex');
}

/** An OCI layout with `layers` uncompressed tar layers of random bytes (incompressible on purpose). */
export async function makeRandomImage(dir: string, totalMiB: number, layers: number): Promise<void> {
  const blobs = path.join(dir, 'blobs', 'sha256');
  await fs.mkdir(blobs, { recursive: true });
  const descs = [];
  const diffIds = [];
  for (let i = 0; i < layers; i++) {
    const work = path.join(dir, `layer${i}`);
    await fs.mkdir(work);
    const out = createWriteStream(path.join(work, `random-${i}.bin`));
    for (let m = 0; m < totalMiB / layers; m++) if (!out.write(randomBytes(1024 * 1024))) await new Promise<void>((r) => out.once('drain', () => r()));
    await new Promise<void>((r) => out.end(r));
    const tar = path.join(dir, `layer${i}.tar`);
    await run('tar', ['-C', work, '-cf', tar, '.']);
    await fs.rm(work, { recursive: true });
    const digest = await sha256File(tar);
    await fs.rename(tar, path.join(blobs, digest.slice(7)));
    descs.push({ mediaType: MediaTypes.ociLayer, digest, size: (await fs.stat(path.join(blobs, digest.slice(7)))).size });
    diffIds.push(digest);
  }
  const put = async (data: string): Promise<{ digest: string; size: number }> => {
    const digest = 'sha256:' + createHash('sha256').update(data).digest('hex');
    await fs.writeFile(path.join(blobs, digest.slice(7)), data);
    return { digest, size: Buffer.byteLength(data) };
  };
  const config = await put(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: diffIds } }));
  const manifest = await put(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: { mediaType: MediaTypes.ociConfig, ...config }, layers: descs }));
  await fs.writeFile(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: MediaTypes.ociManifest, ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }] }));
  await fs.writeFile(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

async function startDockerRegistry(tmp: string): Promise<{ host: string; proc: ChildProcess }> {
  const port = await freePort();
  const cfg = path.join(tmp, 'docker-registry.yml');
  await fs.writeFile(cfg, [
    'version: 0.1',
    'log: { level: error }',
    'storage:',
    `  filesystem: { rootdirectory: ${path.join(tmp, 'docker-registry-data')} }`,
    '  delete: { enabled: true }',
    `http: { addr: "127.0.0.1:${port}" }`,
    '',
  ].join('\n'));
  const proc = spawn('docker-registry', ['serve', cfg], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/v2/`).then((r) => r.ok, () => false);
    if (ok) return { host: `127.0.0.1:${port}`, proc };
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill();
  throw new Error('docker-registry did not start');
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

interface Target {
  host: string;
  stop(): Promise<void>;
}

/**
 * A fresh registry per run (new port, empty storage): skopeo's blob-info cache
 * remembers blobs by registry location and would otherwise mount instead of upload.
 */
async function measure(start: (dir: string) => Promise<Target>, image: string, tmp: string, runs: number): Promise<{ push: number[]; pull: number[] }> {
  const push: number[] = [];
  const pull: number[] = [];
  for (let i = 0; i < runs; i++) {
    const dir = await fs.mkdtemp(path.join(tmp, 'run-'));
    const target = await start(dir);
    try {
      const ref = `docker://${target.host}/bench/img:1`;
      push.push(await timed(() => run('skopeo', ['--insecure-policy', 'copy', '-q', '--dest-tls-verify=false', `oci:${image}:latest`, ref])));
      const out = path.join(dir, 'pull');
      pull.push(await timed(() => run('skopeo', ['--insecure-policy', 'copy', '-q', '--src-tls-verify=false', ref, `oci:${out}:x`])));
    } finally {
      await target.stop();
      await fs.rm(dir, { recursive: true, force: true });
    }
  }
  return { push, pull };
}


async function main(): Promise<void> {
  const totalMiB = Number(process.argv[2] ?? 200);
  const runs = Number(process.argv[3] ?? 3);
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-bench-registry-'));
  try {
    const image = path.join(tmp, 'image');
    await makeRandomImage(image, totalMiB, 4);
    const startBerth = async (dir: string): Promise<Target> => {
      const r = await startRegistry({ addr: '127.0.0.1:0', data: path.join(dir, 'data') });
      return { host: r.host, stop: r.close };
    };
    const startDocker = async (dir: string): Promise<Target> => {
      const r = await startDockerRegistry(dir);
      return {
        host: r.host,
        stop: () => new Promise<void>((resolve) => {
          r.proc.once('exit', () => resolve());
          r.proc.kill();
        }),
      };
    };
    const b = await measure(startBerth, image, tmp, runs);
    const d = await measure(startDocker, image, tmp, runs);
    const row = (op: string, x: number[], y: number[]): string =>
      `${op.padEnd(6)} ${median(x).toFixed(2).padStart(10)} ${median(y).toFixed(2).padStart(16)} ${(median(x) / median(y)).toFixed(2).padStart(8)}`;
    console.log(`skopeo, ${totalMiB} MiB in 4 uncompressed layers, median of ${runs} runs (seconds; ratio = berth / docker-registry)`);
    console.log(`${'op'.padEnd(6)} ${'berth'.padStart(10)} ${'docker-registry'.padStart(16)} ${'ratio'.padStart(8)}`);
    console.log(row('push', b.push, d.push));
    console.log(row('pull', b.pull, d.pull));
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

// only when run directly: bench/pull.ts imports makeRandomImage from here
if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}

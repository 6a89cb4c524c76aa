/**
 * A throwaway image store per test (the image engineer's stores over a temp
 * data root) with the distribution ports over it, plus a progress recorder.
 */
import { TrustPolicy } from '../../../src/image/trust-policy';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, promises as fs, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createReadStream } from 'node:fs';
import type { TestContext } from 'node:test';
import { KeyedMutex } from '../../../src/base/async';
import { EventBus } from '../../../src/base/events';
import { silentLogger } from '../../../src/base/logger';
import { BlobStore } from '../../../src/image/content/blob-store';
import type { ImageContext } from '../../../src/image/image-context';
import { ImageStore } from '../../../src/image/image-store';
import { Images } from '../../../src/image/index';
import { LayerStore } from '../../../src/layer/layer-store';
import { BlobSources } from '../../../src/image/distribution/blob-sources';
import type { ProgressEvent } from '../../../src/image/distribution/progress';
import { RegistryClient, sha256Digest } from '../../../src/image/distribution/registry-client';
import { MediaTypes } from '../../../src/protocol/oci/image';
import { gzipSync } from 'node:zlib';
import * as tarStream from 'tar-stream';
import { createStoreIngest, createStoreSource } from '../../../src/image/distribution/store-ports';
import type { PullDeps } from '../../../src/image/distribution/pull';
import type { PushDeps } from '../../../src/image/distribution/push';
import { makeBusyboxTar } from '../../kit/busybox';
import { freePort } from '../../kit/ports';

export async function tempDir(t: TestContext, prefix: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `berth-dist-${prefix}-`));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

export interface TestStore {
  root: string;
  ctx: ImageContext;
  images: Images;
  pullDeps: PullDeps;
  pushDeps: PushDeps;
}

export async function openStore(t: TestContext, client = new RegistryClient()): Promise<TestStore> {
  const root = await tempDir(t, 'store');
  const imageRoot = path.join(root, 'image');
  const blobs = new BlobStore(imageRoot);
  await blobs.init();
  const store = new ImageStore(imageRoot);
  await store.init();
  const layers = await LayerStore.open(root, { logger: silentLogger });
  const ctx: ImageContext = { blobs, layers, store, events: new EventBus(), logger: silentLogger, usage: () => [], registerLock: new KeyedMutex(), manifestTargets: new Map() };
  const blobSources = new BlobSources(path.join(root, 'distribution', 'blob-sources.json'));
  await fs.mkdir(path.join(root, 'distribution'), { recursive: true });
  return {
    root,
    ctx,
    images: new Images(ctx, { client, blobSources, trust: await TrustPolicy.open(undefined, imageRoot) }),
    pullDeps: { client, ingest: createStoreIngest(ctx), blobSources },
    pushDeps: { client, source: createStoreSource(ctx), blobSources, tempPath: () => blobs.tempPath() },
  };
}

let busyboxTar: Promise<string> | undefined;

/** A one-layer busybox image tagged `tag` in the store. */
export async function importBusybox(s: TestStore, tag: string): Promise<string> {
  busyboxTar ??= (async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-dist-bb-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true })); // 'exit' handlers run no async work
    return makeBusyboxTar(path.join(dir, 'busybox.tar'));
  })();
  const rec = await s.images.importRootfs(createReadStream(await busyboxTar), { repo: tag });
  return rec.id;
}

export function recorder(): { events: ProgressEvent[]; sink: (e: ProgressEvent) => void; statuses: () => string[] } {
  const events: ProgressEvent[] = [];
  return {
    events,
    sink: (e) => events.push(e),
    statuses: () => events.map((e) => (e.type === 'aux' ? 'aux' : e.status)),
  };
}

/** Files under dir (recursively), relative. */
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
  return out;
}

/** A layer tar of the given files (mode 0644, mtime 0). */
export async function tarOf(files: Array<{ name: string; body: string | Buffer }>): Promise<Buffer> {
  const p = tarStream.pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((r) => p.on('end', r));
  for (const f of files) p.entry({ name: f.name, mode: 0o644, mtime: new Date(0) }, f.body);
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

export interface UploadedImage {
  manifestDigest: string;
  /** the layer blobs as uploaded (compressed when asked) */
  layerDigests: string[];
  diffIds: string[];
}

/**
 * Puts an image into a registry through the distribution API itself (monolithic uploads),
 * so the layer blobs are exactly these bytes: gzip at `gzipLevel`, or plain tars.
 */
export async function uploadImage(host: string, repo: string, tag: string, tars: Buffer[], gzipLevel?: number): Promise<UploadedImage> {
  const base = `http://${host}/v2/${repo}`;
  const put = async (blob: Buffer): Promise<string> => {
    const digest = sha256Digest(blob);
    const start = await fetch(`${base}/blobs/uploads/`, { method: 'POST' });
    if (start.status !== 202) throw new Error(`POST upload: ${start.status} ${await start.text()}`);
    const loc = new URL(start.headers.get('location')!, `http://${host}`);
    loc.searchParams.set('digest', digest);
    const res = await fetch(loc, { method: 'PUT', body: blob, headers: { 'Content-Type': 'application/octet-stream' } });
    if (res.status !== 201) throw new Error(`PUT blob: ${res.status} ${await res.text()}`);
    return digest;
  };
  const blobs = tars.map((t) => (gzipLevel === undefined ? t : gzipSync(t, { level: gzipLevel })));
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: tars.map((t) => sha256Digest(t)) } }));
  const layers = [];
  for (const b of blobs) layers.push({ mediaType: gzipLevel === undefined ? MediaTypes.ociLayer : MediaTypes.ociLayerGzip, digest: await put(b), size: b.length });
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: { mediaType: MediaTypes.ociConfig, digest: await put(config), size: config.length }, layers }));
  const res = await fetch(`${base}/manifests/${tag}`, { method: 'PUT', body: manifest, headers: { 'Content-Type': MediaTypes.ociManifest } });
  if (res.status !== 201) throw new Error(`PUT manifest: ${res.status} ${await res.text()}`);
  return { manifestDigest: sha256Digest(manifest), layerDigests: layers.map((l) => l.digest), diffIds: tars.map((t) => sha256Digest(t)) };
}

/** What a store holds on disk besides its records: temp files, blobs, layer dirs (layers/tmp itself excluded). */
export async function storeLeftovers(root: string): Promise<{ imageTmp: string[]; blobs: string[]; layerDirs: string[]; layerTmp: string[] }> {
  const layerDirs = (await fs.readdir(path.join(root, 'layers')).catch(() => [] as string[])).filter((n) => n !== 'tmp');
  return {
    imageTmp: await listFiles(path.join(root, 'image', 'tmp')),
    blobs: await listFiles(path.join(root, 'image', 'blobs')),
    layerDirs,
    layerTmp: await fs.readdir(path.join(root, 'layers', 'tmp')).catch(() => [] as string[]),
  };
}

export const DOCKER_REGISTRY_BIN = '/usr/bin/docker-registry';
export const hasDockerRegistry = (): boolean => existsSync(DOCKER_REGISTRY_BIN);


/** Debian's docker-registry on 127.0.0.1:<free port> with a temp storage dir; stopped after the test (the child is there to kill it sooner). */
export async function startDockerRegistry(t: TestContext): Promise<{ host: string; child: ChildProcess }> {
  const dir = await tempDir(t, 'docker-registry');
  const port = await freePort();
  const cfg = path.join(dir, 'config.yml');
  await fs.writeFile(cfg, `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(dir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n`);
  const child = spawn(DOCKER_REGISTRY_BIN, ['serve', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
  const host = `127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${stderr}`);
    const ok = await fetch(`http://${host}/v2/`).then((r) => r.ok, () => false);
    if (ok) return { host, child };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`docker-registry did not start: ${stderr}`);
}

/**
 * A throwaway image store per test (the image engineer's stores over a temp
 * data root) with the distribution ports over it, plus a progress recorder.
 */
import { promises as fs } from 'node:fs';
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
import { RegistryClient } from '../../../src/image/distribution/registry-client';
import { createStoreIngest, createStoreSource } from '../../../src/image/distribution/store-ports';
import type { PullDeps } from '../../../src/image/distribution/pull';
import type { PushDeps } from '../../../src/image/distribution/push';
import { makeBusyboxTar } from '../../kit/busybox';

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
  const ctx: ImageContext = { blobs, layers, store, events: new EventBus(), logger: silentLogger, usage: () => [], registerLock: new KeyedMutex() };
  const blobSources = new BlobSources(path.join(root, 'distribution', 'blob-sources.json'));
  await fs.mkdir(path.join(root, 'distribution'), { recursive: true });
  return {
    root,
    ctx,
    images: new Images(ctx, { client, blobSources }),
    pullDeps: { client, ingest: createStoreIngest(ctx), blobSources },
    pushDeps: { client, source: createStoreSource(ctx), blobSources, tempPath: () => blobs.tempPath() },
  };
}

let busyboxTar: Promise<string> | undefined;

/** A one-layer busybox image tagged `tag` in the store. */
export async function importBusybox(s: TestStore, tag: string): Promise<string> {
  busyboxTar ??= (async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-dist-bb-'));
    process.on('exit', () => void fs.rm(dir, { recursive: true, force: true }));
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

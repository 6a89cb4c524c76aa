/**
 * The image service: one store API through which images arrive (import, load,
 * later pull and build) and leave (rmi, prune, save). Each operation lives in
 * its own file; this class only binds the shared context. Opening it runs
 * boot repair (temp blobs, half-unpacked layers, layers no image uses).
 */
import * as path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { KeyedMutex } from '../base/async';
import type { EventBus } from '../base/events';
import type { Logger } from '../base/logger';
import { LayerStore } from '../layer/layer-store';
import { BlobStore } from './content/blob-store';
import { imageHistory } from './history';
import type { ImageContext } from './image-context';
import { ImageStore } from './image-store';
import { importRootfs } from './import';
import { listImages } from './list';
import { loadArchive } from './load';
import { pruneImages } from './prune';
import { removeImage } from './remove';
import { saveImages } from './save';
import { tagImage } from './tag';
import type { ImageDeleteItem, ImageHistoryView, ImageListOptions, ImageRecord, ImageService, ImageSummaryView, ImageUsage, ImportOptions } from './types';

export interface ImageServiceOptions {
  dataRoot: string;
  logger: Logger;
  events: EventBus;
  usage: ImageUsage;
  /** path of build/native/berth-fs (default: the repository build) */
  fsTool?: string;
}

/** Record and tag changes run one at a time; unpacking layers runs outside this lock. */
const STORE = 'store';

export class Images implements ImageService {
  private readonly lock = new KeyedMutex();
  constructor(private readonly ctx: ImageContext) {}

  importRootfs(tar: Readable, opts: ImportOptions): Promise<ImageRecord> {
    return importRootfs(this.ctx, tar, opts);
  }

  load(tar: Readable, opts?: { signal?: AbortSignal }): Promise<string[]> {
    return loadArchive(this.ctx, tar, opts);
  }

  save(refs: string[], out: Writable): Promise<void> {
    return saveImages(this.ctx, refs, out);
  }

  async list(opts: ImageListOptions = {}): Promise<ImageSummaryView[]> {
    return listImages(this.ctx, opts);
  }

  async resolve(ref: string): Promise<ImageRecord> {
    return structuredClone(this.ctx.store.resolve(ref));
  }

  tag(ref: string, repo: string, tag?: string): Promise<void> {
    return this.lock.run(STORE, () => tagImage(this.ctx, ref, repo, tag));
  }

  remove(ref: string, opts: { force?: boolean; noprune?: boolean }): Promise<ImageDeleteItem[]> {
    return this.lock.run(STORE, () => removeImage(this.ctx, ref, opts));
  }

  async history(ref: string): Promise<ImageHistoryView[]> {
    return imageHistory(this.ctx, ref);
  }

  async layerDirs(imageId: string): Promise<string[]> {
    return this.ctx.layers.lowerDirs(this.ctx.store.resolve(imageId).chainIds);
  }

  prune(opts: { dangling: boolean; filters?: Record<string, string[]> }): Promise<{ deleted: ImageDeleteItem[]; spaceReclaimed: number }> {
    return this.lock.run(STORE, () => pruneImages(this.ctx, opts));
  }
}

export async function createImageService(opts: ImageServiceOptions): Promise<Images> {
  const imageRoot = path.join(opts.dataRoot, 'image');
  const blobs = new BlobStore(imageRoot);
  await blobs.init();
  const store = new ImageStore(imageRoot);
  await store.init();
  const layers = await LayerStore.open(opts.dataRoot, { logger: opts.logger.child({ module: 'layer' }), fsTool: opts.fsTool });
  // reference counts are derived from the records, never persisted, so they cannot drift after a crash
  for (const img of store.all()) layers.retain(img.chainIds);
  const orphans = await layers.removeUnreferenced();
  if (orphans.length) opts.logger.info({ layers: orphans.map((l) => l.chainId) }, 'boot repair: removed layers no image uses');
  return new Images({ blobs, layers, store, events: opts.events, logger: opts.logger, usage: opts.usage, registerLock: new KeyedMutex() });
}

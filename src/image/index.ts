/**
 * The image service: one store API through which images arrive (import, load,
 * later pull and build) and leave (rmi, prune, save).
 */
import * as path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { EventBus } from '../base/events';
import type { Logger } from '../base/logger';
import { InvalidArgumentError } from '../base/errors';
import { LayerStore } from '../layer/layer-store';
import { BlobStore } from './content/blob-store';
import { ImageStore } from './image-store';
import { type ImageContext, publishImageEvent } from './image-context';
import { importRootfs } from './import';
import { loadArchive } from './load';
import { saveImages } from './save';
import { deleteImage, removeImage } from './remove';
import { normalizeTag } from './reference';
import type {
  ImageDeleteItem,
  ImageHistoryView,
  ImageListOptions,
  ImageRecord,
  ImageService,
  ImageSummaryView,
  ImageUsage,
  ImportOptions,
} from './types';

export interface ImageServiceOptions {
  dataRoot: string;
  logger: Logger;
  events: EventBus;
  usage: ImageUsage;
  /** path of build/native/berth-fs (default: the repository build) */
  fsTool?: string;
}

function labelMatch(labels: Record<string, string>, f: string): boolean {
  const i = f.indexOf('=');
  return i < 0 ? f in labels : labels[f.slice(0, i)] === f.slice(i + 1);
}

/** Docker's `reference` filter is a glob on the familiar name[:tag]. */
function globMatch(pattern: string, value: string): boolean {
  const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '.') + '$');
  return re.test(value);
}

export class Images implements ImageService {
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
    const f = opts.filters ?? {};
    for (const k of Object.keys(f)) {
      if (!['reference', 'label', 'dangling', 'before', 'since', 'until'].includes(k)) throw new InvalidArgumentError(`invalid filter '${k}'`);
    }
    let recs = this.ctx.store.all();
    if (f.dangling?.length) {
      const want = f.dangling[0] === 'true' || f.dangling[0] === '1';
      recs = recs.filter((r) => (r.repoTags.length === 0) === want);
    }
    if (f.label?.length) recs = recs.filter((r) => f.label!.every((l) => labelMatch(r.config.config?.Labels ?? {}, l)));
    if (f.reference?.length) {
      recs = recs.filter((r) => r.repoTags.some((t) => f.reference!.some((p) => globMatch(p, t) || globMatch(p, t.slice(0, t.lastIndexOf(':'))))));
    }
    if (f.before?.length) {
      const b = this.resolveSync(f.before[0]!);
      recs = recs.filter((r) => created(r) < created(b));
    }
    if (f.since?.length) {
      const s = this.resolveSync(f.since[0]!);
      recs = recs.filter((r) => created(r) > created(s));
    }
    return recs
      .map((r) => ({
        id: r.id,
        parentId: '',
        repoTags: [...r.repoTags].sort(),
        repoDigests: [...r.repoDigests],
        created: Math.floor(created(r) / 1000),
        size: r.size,
        labels: r.config.config?.Labels ?? {},
        containers: this.ctx.usage(r.id).length,
      }))
      .sort((a, b) => b.created - a.created);
  }

  private resolveSync(ref: string): ImageRecord {
    return this.ctx.store.resolve(ref);
  }

  async resolve(ref: string): Promise<ImageRecord> {
    return structuredClone(this.ctx.store.resolve(ref));
  }

  async tag(ref: string, repo: string, tag?: string): Promise<void> {
    const img = this.ctx.store.resolve(ref);
    const t = normalizeTag(tag ? `${repo}:${tag}` : repo);
    await this.ctx.store.setTag(t, img.id);
    publishImageEvent(this.ctx, 'tag', img.id, t);
  }

  remove(ref: string, opts: { force?: boolean; noprune?: boolean }): Promise<ImageDeleteItem[]> {
    return removeImage(this.ctx, ref, opts);
  }

  async history(ref: string): Promise<ImageHistoryView[]> {
    const img = this.ctx.store.resolve(ref);
    const hist = img.config.history ?? [];
    const sizes = img.chainIds.map((c) => this.ctx.layers.get(c)?.size ?? 0);
    let layer = 0;
    const rows = hist.map((h) => {
      const size = h.empty_layer ? 0 : sizes[layer++] ?? 0;
      return { id: '<missing>', created: h.created ? Math.floor(Date.parse(h.created) / 1000) : 0, createdBy: h.created_by ?? '', tags: [] as string[], size, comment: h.comment ?? '' };
    });
    rows.reverse();
    if (rows[0]) {
      rows[0].id = img.id;
      rows[0].tags = [...img.repoTags];
    } else {
      rows.push({ id: img.id, created: Math.floor(created(img) / 1000), createdBy: '', tags: [...img.repoTags], size: img.size, comment: '' });
    }
    return rows;
  }

  async layerDirs(imageId: string): Promise<string[]> {
    const img = this.ctx.store.resolve(imageId);
    return this.ctx.layers.lowerDirs(img.chainIds);
  }

  async prune(opts: { dangling: boolean; filters?: Record<string, string[]> }): Promise<{ deleted: ImageDeleteItem[]; spaceReclaimed: number }> {
    const deleted: ImageDeleteItem[] = [];
    let space = 0;
    const labels = opts.filters?.label ?? [];
    for (const img of this.ctx.store.all()) {
      if (this.ctx.usage(img.id).length) continue;
      if (opts.dangling && img.repoTags.length) continue;
      if (!labels.every((l) => labelMatch(img.config.config?.Labels ?? {}, l))) continue;
      for (const t of img.repoTags) {
        deleted.push({ untagged: t });
        publishImageEvent(this.ctx, 'untag', img.id, t);
      }
      const r = await deleteImage(this.ctx, img);
      deleted.push(...r.items);
      space += r.reclaimed;
    }
    return { deleted, spaceReclaimed: space };
  }
}

function created(r: ImageRecord): number {
  return Date.parse(r.config.created ?? r.created) || 0;
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
  return new Images({ blobs, layers, store, events: opts.events, logger: opts.logger, usage: opts.usage });
}

/** What the image operations share: the stores, the event bus, who uses which image. */
import type { KeyedMutex } from '../base/async';
import type { EventBus } from '../base/events';
import type { Logger } from '../base/logger';
import type { LayerStore, LayerRecord } from '../layer/layer-store';
import type { Descriptor, ImageConfigFile, ImageManifest } from '../protocol/oci/image';
import { MediaTypes } from '../protocol/oci/image';
import type { BlobStore } from './content/blob-store';
import type { ImageStore } from './image-store';
import { keptBlobDescriptor } from './layer-content';
import type { ImageRecord, ImageUsage } from './types';

export interface ImageContext {
  blobs: BlobStore;
  layers: LayerStore;
  store: ImageStore;
  events: EventBus;
  logger: Logger;
  usage: ImageUsage;
  /** serializes record writes of concurrent imports/loads (the layer unpacking before them runs in parallel) */
  registerLock: KeyedMutex;
  /** manifest digest → its mediaType and size (manifests.ts): content-addressed, so never stale */
  manifestTargets: Map<string, { mediaType: string; size: number }>;
}

export function publishImageEvent(ctx: ImageContext, action: string, id: string, name?: string): void {
  ctx.events.publish({ type: 'image', action, id, attributes: name ? { name } : {} });
}

/** An OCI manifest for a config and layer blobs (the store's own, or a save's with uncompressed layers). */
export function localManifest(configDigest: string, configSize: number, layers: Descriptor[]): Buffer {
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    config: { mediaType: MediaTypes.ociConfig, digest: configDigest, size: configSize },
    layers,
  };
  return Buffer.from(JSON.stringify(manifest));
}

/**
 * Stores config + manifest blobs and the record, retains its layers, then
 * points the tags at it. The id is the digest of `configBytes` exactly as
 * given: re-serializing a loaded config would change the id.
 */
export function registerImage(ctx: ImageContext, configBytes: Buffer, layers: LayerRecord[], tags: string[], extra: { manifestDigest?: string; parent?: string } = {}): Promise<{ record: ImageRecord; replaced: { tag: string; id: string }[] }> {
  return ctx.registerLock.run('register', () => registerUnlocked(ctx, configBytes, layers, tags, extra));
}

async function registerUnlocked(ctx: ImageContext, configBytes: Buffer, layers: LayerRecord[], tags: string[], extra: { manifestDigest?: string; parent?: string }): Promise<{ record: ImageRecord; replaced: { tag: string; id: string }[] }> {
  const config = JSON.parse(configBytes.toString('utf8')) as ImageConfigFile;
  const id = await ctx.blobs.putBuffer(configBytes);
  let manifestDigest = extra.manifestDigest;
  if (!manifestDigest) {
    // names the blobs the layers keep, so a push can send them as they are
    const descs = await Promise.all(layers.map((l) => keptBlobDescriptor(ctx.blobs, l)));
    manifestDigest = await ctx.blobs.putBuffer(localManifest(id, configBytes.length, descs));
  }
  const rec: ImageRecord = {
    id,
    repoTags: [],
    repoDigests: [],
    config,
    manifestDigest,
    size: layers.reduce((a, l) => a + l.size, 0),
    created: new Date().toISOString(),
    chainIds: layers.map((l) => l.chainId),
    ...(extra.parent ? { parent: extra.parent } : {}),
  };
  const prior = ctx.store.get(id);
  // an image registered again (a load of one already here) keeps its history: creation time and parent
  await ctx.store.put(prior ? { ...rec, created: prior.created, ...(!extra.parent && prior.parent ? { parent: prior.parent } : {}) } : rec);
  if (!prior) ctx.layers.retain(rec.chainIds);
  const replaced: { tag: string; id: string }[] = [];
  for (const t of tags) {
    const prev = await ctx.store.setTag(t, id);
    if (prev) replaced.push({ tag: t, id: prev });
    publishImageEvent(ctx, 'tag', id, t);
  }
  return { record: ctx.store.get(id)!, replaced };
}

/** Images built or committed on `id` (Docker's children): an image with children is an intermediate. */
export function childrenOf(ctx: Pick<ImageContext, 'store'>, id: string): ImageRecord[] {
  return ctx.store.all().filter((r) => r.parent === id);
}

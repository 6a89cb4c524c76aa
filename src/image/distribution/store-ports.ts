/**
 * ImageIngest and ImageSource over the image engineer's stores
 * (image/content, image-store, layer/). Pull hands each layer over only
 * after its compressed digest has verified.
 */
import { NotFoundError } from '../../base/errors';
import type { ImageContext } from '../image-context';
import { registerImage } from '../image-context';
import { hasLayerContent, openLayerTar, removeUnusedContent } from '../layer-content';
import { stageLayer } from '../layer-ingest';
import { familiarName, parseReference } from '../reference';
import type { ImageRecord } from '../types';
import type { ImageIngest, ImageSource, PulledImage, PushableImage } from './image-ports';

/** One ingest per pull: every layer it uses stays pinned until the image is registered or the pull is undone, so a concurrent rmi cannot remove it. */
export function createStoreIngest(ctx: ImageContext): ImageIngest {
  const pinned: string[] = [];
  const unpinAll = () => {
    for (const c of pinned.splice(0)) ctx.layers.unpin(c);
  };
  return {
    async hasLayer(chainId) {
      const l = ctx.layers.get(chainId);
      if (!l) return false;
      // pin before the await: the layer must not vanish between this check and registration
      ctx.layers.pin(chainId);
      pinned.push(chainId);
      return hasLayerContent(ctx.blobs, l);
    },

    async stageLayer(src, opts) {
      const staged = await stageLayer(ctx, src, opts);
      return {
        diffId: staged.diffId,
        size: staged.size,
        async commit(parentChainId) {
          const rec = await staged.commit(parentChainId);
          pinned.push(rec.chainId);
          return { chainId: rec.chainId, diffId: rec.diffId, size: rec.size };
        },
        discard: () => staged.discard(),
      };
    },

    lowerDirsOf: (chainId) => ctx.layers.lowerDirs(ctx.layers.chainOf(chainId)),

    async dropLayers(chainIds) {
      unpinAll();
      const unused = chainIds.filter((c) => ctx.layers.refCount(c) === 0);
      const gone = await ctx.layers.release(unused);
      await removeUnusedContent(ctx, gone);
    },

    async registerPulledImage(img: PulledImage) {
      const manifestDigest = await ctx.blobs.putBuffer(img.manifestBytes);
      const layers = img.chainIds.map((c) => {
        const l = ctx.layers.get(c);
        if (!l) throw new NotFoundError('layer', c, `layer does not exist: ${c}`);
        return l;
      });
      const tagKey = img.tag ? `${img.name}:${img.tag}` : undefined;
      const before = tagKey ? ctx.store.tagOwner(tagKey) : ctx.store.get(img.configDigest) ? img.configDigest : undefined;
      let record: ImageRecord;
      try {
        ({ record } = await registerImage(ctx, img.configBytes, layers, tagKey ? [tagKey] : [], { manifestDigest }));
      } finally {
        unpinAll(); // the record retains the layers now (or the pull's undo drops them)
      }
      await ctx.store.setDigest(img.name, img.repoDigest, record.id);
      // dockerd: id is the pulled reference, name its repository
      ctx.events.publish({ type: 'image', action: 'pull', id: tagKey ?? `${img.name}@${img.repoDigest}`, attributes: { name: img.name } });
      return { id: record.id, upToDate: before === record.id };
    },
  };
}

export function createStoreSource(ctx: ImageContext): ImageSource {
  return {
    async resolveForPush(tagged): Promise<PushableImage> {
      let rec: ImageRecord;
      try {
        rec = ctx.store.resolve(tagged);
      } catch (e) {
        if (e instanceof NotFoundError) throw new NotFoundError('image', tagged, `An image does not exist locally with the tag: ${familiarName(parseReference(tagged))}`);
        throw e;
      }
      const configBytes = await ctx.blobs.read(rec.id);
      const manifestBytes = (await ctx.blobs.has(rec.manifestDigest)) ? await ctx.blobs.read(rec.manifestDigest) : undefined;
      const layers = (rec.config.rootfs?.diff_ids ?? []).map((diffId, i) => {
        const blob = ctx.layers.get(rec.chainIds[i] ?? '')?.blob;
        return { diffId, ...(blob ? { blob } : {}) };
      });
      return { id: rec.id, configBytes, layers, ...(manifestBytes ? { manifestBytes } : {}) };
    },
    async openLayer(diffId) {
      const l = ctx.layers.all().find((x) => x.diffId === diffId);
      if (!l) throw new NotFoundError('layer', diffId, `layer does not exist: ${diffId}`);
      return openLayerTar(ctx.blobs, l);
    },
    openBlob(digest) {
      return ctx.blobs.stream(digest);
    },
    async recordRepoDigest(name, digest, imageId) {
      await ctx.store.setDigest(name, digest, imageId);
    },
  };
}

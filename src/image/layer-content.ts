/**
 * The one blob each layer keeps for save and push: the compressed blob a pull
 * downloaded (named by the layer record), or the uncompressed tar under the
 * diffId (import, load, uncompressed pulls, older records). Save decompresses
 * on demand and checks the diffId on the way; push uploads a compressed blob
 * as it is. Nothing here decides when a layer goes, only what goes with it.
 */
import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { InternalError } from '../base/errors';
import { decompressed } from '../layer/decompress';
import type { LayerRecord, LayerStore } from '../layer/layer-store';
import { type Descriptor, MediaTypes } from '../protocol/oci/image';
import type { BlobStore } from './content/blob-store';

/** Digest of the blob that holds the layer's content. */
export function contentDigest(l: LayerRecord): string {
  return l.blob?.digest ?? l.diffId;
}

export function hasLayerContent(blobs: BlobStore, l: LayerRecord): Promise<boolean> {
  return blobs.has(contentDigest(l));
}

/** Bytes of the layer's uncompressed tar. */
export async function layerTarSize(blobs: BlobStore, l: LayerRecord): Promise<number> {
  return l.tarSize ?? blobs.size(l.diffId);
}

/** The layer's uncompressed tar; a kept compressed blob is decompressed and must hash to the diffId. */
export async function openLayerTar(blobs: BlobStore, l: LayerRecord): Promise<Readable> {
  if (!l.blob) return blobs.stream(l.diffId);
  const plain = await decompressed(blobs.stream(l.blob.digest));
  const hash = createHash('sha256');
  const check = new Transform({
    transform(chunk: Buffer, _e, cb) {
      hash.update(chunk);
      cb(null, chunk);
    },
    flush(cb) {
      const got = `sha256:${hash.digest('hex')}`;
      cb(got === l.diffId ? null : new InternalError(`stored layer ${l.blob!.digest} decompresses to ${got}, not ${l.diffId}`, 'LAYER_BLOB_CORRUPT'));
    },
  });
  plain.on('error', (e) => check.destroy(e));
  return plain.pipe(check);
}

/** An OCI manifest's descriptor for the kept blob. */
export async function keptBlobDescriptor(blobs: BlobStore, l: LayerRecord): Promise<Descriptor> {
  if (!l.blob) return { mediaType: MediaTypes.ociLayer, digest: l.diffId, size: await layerTarSize(blobs, l) };
  const mediaType = l.blob.mediaType === MediaTypes.dockerLayer ? MediaTypes.ociLayerGzip : l.blob.mediaType;
  return { mediaType, digest: l.blob.digest, size: l.blob.size };
}

/** After layers went: removes the blobs they kept that no remaining layer keeps. Best effort: an orphan blob only wastes space. */
export async function removeUnusedContent(ctx: { blobs: BlobStore; layers: LayerStore }, gone: LayerRecord[]): Promise<void> {
  const kept = new Set(ctx.layers.all().map(contentDigest));
  for (const d of new Set(gone.map(contentDigest))) {
    if (!kept.has(d)) await ctx.blobs.remove(d).catch(() => undefined);
  }
}

/**
 * One pass over a layer: the layer store decompresses, hashes (diffID) and
 * unpacks it, keeping the uncompressed tar, which becomes the blob save and
 * push read. Nothing becomes visible before the diffID is known and verified.
 */
import { promises as fs } from 'node:fs';
import type { Readable } from 'node:stream';
import { chainIdOf, type LayerRecord, type LayerStore } from '../layer/layer-store';
import type { BlobStore } from './content/blob-store';

export type IngestedLayer = LayerRecord;

export async function ingestLayer(
  deps: { layers: LayerStore; blobs: BlobStore },
  src: Readable,
  parentChainId: string | null,
  expectedDiffId?: string,
  signal?: AbortSignal,
  opts: { pin?: boolean } = {},
): Promise<IngestedLayer> {
  const blobTmp = deps.blobs.tempPath();
  try {
    const rec = await deps.layers.register(src, parentChainId || null, { keepTarAs: blobTmp, expectDiffId: expectedDiffId, signal, pin: opts.pin });
    // the diffID was computed over exactly these bytes, so the blob needs no second hash
    try {
      if (!(await deps.blobs.has(rec.diffId))) await deps.blobs.adopt(blobTmp, rec.diffId);
    } catch (e) {
      if (opts.pin) deps.layers.unpin(rec.chainId);
      throw e;
    }
    return rec;
  } finally {
    await fs.rm(blobTmp, { force: true });
  }
}

/** A layer unpacked out of sight, with its uncompressed blob beside it: commit or discard. */
export interface StagedLayer {
  diffId: string;
  size: number;
  /** Makes the layer visible on top of `parentChainId` (which must be committed) and keeps its blob; pins it. */
  commit(parentChainId: string | null): Promise<LayerRecord>;
  discard(): Promise<void>;
}

/**
 * The first half of ingestLayer, for a pull that unpacks layers side by side
 * while they download and commits them in chain order once digests verified.
 * `knownDiffId`: the caller hashed these very bytes already (an uncompressed layer).
 */
export async function stageLayer(
  deps: { layers: LayerStore; blobs: BlobStore },
  src: Readable,
  opts: { signal?: AbortSignal; lowerDirs?: () => Promise<string[]>; knownDiffId?: string },
): Promise<StagedLayer> {
  const blobTmp = deps.blobs.tempPath();
  let staged: { tmp: string; size: number; diffId: string };
  try {
    staged = await deps.layers.unpackToTemp(src, { signal: opts.signal, keepTarAs: blobTmp, lowerDirs: opts.lowerDirs, computeDiffId: !opts.knownDiffId });
  } catch (e) {
    await fs.rm(blobTmp, { force: true });
    throw e;
  }
  const diffId = staged.diffId || opts.knownDiffId!; // unpack hashed it anyway when the bytes were compressed
  return {
    diffId,
    size: staged.size,
    async commit(parentChainId) {
      try {
        const rec = await deps.layers.commit(staged.tmp, { chainId: chainIdOf(parentChainId, diffId), diffId, parent: parentChainId, size: staged.size }, true);
        try {
          if (!(await deps.blobs.has(diffId))) await deps.blobs.adopt(blobTmp, diffId);
        } catch (e) {
          deps.layers.unpin(rec.chainId);
          throw e;
        }
        return rec;
      } finally {
        await fs.rm(blobTmp, { force: true });
      }
    },
    async discard() {
      await deps.layers.discard(staged.tmp).catch(() => undefined);
      await fs.rm(blobTmp, { force: true });
    },
  };
}

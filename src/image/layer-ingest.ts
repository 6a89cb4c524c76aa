/**
 * One pass over a layer: the layer store decompresses, hashes (diffID) and
 * unpacks it, keeping the uncompressed tar, which becomes the blob save and
 * push read. Nothing becomes visible before the diffID is known and verified.
 */
import { promises as fs } from 'node:fs';
import type { Readable } from 'node:stream';
import type { LayerRecord, LayerStore } from '../layer/layer-store';
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

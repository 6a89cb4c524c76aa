/**
 * One pass over a layer: the layer store decompresses, hashes (diffID) and
 * unpacks it while its blob is kept: the uncompressed tar for import and
 * load, the downloaded (compressed) bytes for a pull. Nothing becomes visible
 * before the diffID is known and verified.
 */
import { promises as fs } from 'node:fs';
import type { Readable } from 'node:stream';
import { chainIdOf, type LayerBlobRef, type LayerRecord, type LayerStore } from '../layer/layer-store';
import type { BlobStore } from './content/blob-store';
import { BlobTee } from './content/blob-tee';
import { contentDigest, hasLayerContent } from './layer-content';
import type { AdoptableLayer } from './types';

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
    let rec = await deps.layers.register(src, parentChainId || null, { keepTarAs: blobTmp, expectDiffId: expectedDiffId, signal, pin: opts.pin });
    // the diffID was computed over exactly these bytes, so the blob needs no second hash
    try {
      // a layer that was there already keeps its blob, unless that went missing
      if (contentDigest(rec) !== rec.diffId && !(await hasLayerContent(deps.blobs, rec))) rec = await deps.layers.setBlob(rec.chainId, undefined, (await fs.stat(blobTmp)).size);
      if (contentDigest(rec) === rec.diffId && !(await deps.blobs.has(rec.diffId))) await deps.blobs.adopt(blobTmp, rec.diffId);
    } catch (e) {
      if (opts.pin) deps.layers.unpin(rec.chainId);
      throw e;
    }
    return rec;
  } finally {
    await fs.rm(blobTmp, { force: true });
  }
}

/**
 * A build step's changes: the tar is hashed into its blob, then the directory it was read from
 * is moved in as the layer, instead of unpacking the tar into a copy of that directory.
 */
export async function adoptLayer(deps: { layers: LayerStore; blobs: BlobStore }, src: AdoptableLayer, parentChainId: string | null): Promise<IngestedLayer> {
  // as ingestLayer: the blob waits in the temp dir until the layer is in, so a killed daemon leaves a temp
  // file or a layer no image holds, both removed at the next start
  const { tmp, digest: diffId, size: tarSize } = await deps.blobs.writeTemp(src.tar);
  try {
    const dir = await src.takeDir();
    let rec = await deps.layers.adopt(dir, { chainId: chainIdOf(parentChainId, diffId), diffId, parent: parentChainId, size: src.size, tarSize, opaque: src.opaque }, true);
    try {
      // the same layer was there already, pulled: it keeps its blob, unless that went missing
      if (contentDigest(rec) !== rec.diffId && !(await hasLayerContent(deps.blobs, rec))) rec = await deps.layers.setBlob(rec.chainId, undefined, tarSize);
      if (contentDigest(rec) === rec.diffId && !(await deps.blobs.has(rec.diffId))) await deps.blobs.adopt(tmp, rec.diffId, { synced: true });
    } catch (e) {
      deps.layers.unpin(rec.chainId);
      throw e;
    }
    return rec;
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

/** A layer unpacked out of sight, with its downloaded blob beside it: commit or discard. */
export interface StagedLayer {
  diffId: string;
  size: number;
  /** Makes the layer visible on top of `parentChainId` (which must be committed) and keeps its blob; pins it. */
  commit(parentChainId: string | null): Promise<LayerRecord>;
  discard(): Promise<void>;
}

/**
 * For a pull: the compressed bytes are kept as their blob (a temp file until
 * commit) while they are decompressed and unpacked, in one pass. The caller
 * verifies `blob.digest` over the same bytes before it commits; layers stage
 * side by side and commit in chain order.
 * `knownDiffId`: the caller hashed these very bytes already (an uncompressed layer).
 */
export async function stageLayer(
  deps: { layers: LayerStore; blobs: BlobStore },
  src: Readable,
  opts: { blob: LayerBlobRef; signal?: AbortSignal; lowerDirs?: () => Promise<string[]>; knownDiffId?: string },
): Promise<StagedLayer> {
  const blobTmp = deps.blobs.tempPath();
  let staged: { tmp: string; size: number; diffId: string; tarSize: number; opaque: string[] };
  try {
    const tee = await BlobTee.open(blobTmp);
    tee.on('error', () => undefined); // reaches the unpack reading the tee and `tee.done`, even before the unpack listens
    // piped by hand, not pipeline(): a failed unpack leaves `src` to the caller, who may drain it to tell a bad download from a bad layer
    const srcFailed = (e: Error) => tee.destroy(e);
    src.on('error', srcFailed);
    // The download may have died while the temp file was opening: its error went out before this listener,
    // and a destroyed stream pipes nothing, so the unpack would wait for bytes that never come.
    if (src.destroyed) srcFailed(src.errored ?? new Error('premature close: the layer download ended before staging began'));
    else src.pipe(tee);
    try {
      staged = await deps.layers.unpackToTemp(tee, { signal: opts.signal, lowerDirs: opts.lowerDirs, computeDiffId: !opts.knownDiffId });
    } catch (e) {
      src.unpipe(tee);
      tee.destroy();
      await tee.done.catch(() => undefined); // the file is closed before it is removed
      throw e;
    } finally {
      src.off('error', srcFailed);
    }
    try {
      await tee.done; // every byte is in the file, fsynced
    } catch (e) {
      await deps.layers.discard(staged.tmp).catch(() => undefined);
      throw e;
    }
  } catch (e) {
    await fs.rm(blobTmp, { force: true });
    throw e;
  }
  const diffId = staged.diffId || opts.knownDiffId!; // unpack hashed it anyway when the bytes were compressed
  // an uncompressed layer's blob is its tar: kept under the diffId like an imported one
  const recorded = opts.blob.digest === diffId ? undefined : opts.blob;
  return {
    diffId,
    size: staged.size,
    async commit(parentChainId) {
      try {
        const meta = { chainId: chainIdOf(parentChainId, diffId), diffId, parent: parentChainId, size: staged.size, tarSize: staged.tarSize, opaque: staged.opaque, ...(recorded ? { blob: recorded } : {}) };
        let rec = await deps.layers.commit(staged.tmp, meta, true);
        try {
          // the same layer may be there already (another pull); it keeps its own blob unless that went missing
          if (contentDigest(rec) !== opts.blob.digest) {
            if (await hasLayerContent(deps.blobs, rec)) return rec;
            rec = await deps.layers.setBlob(rec.chainId, recorded, staged.tarSize);
          }
          if (!(await deps.blobs.has(opts.blob.digest))) await deps.blobs.adopt(blobTmp, opts.blob.digest, { synced: true });
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

/**
 * One pass over a layer: decompress → hash (diffID) → keep the uncompressed
 * tar as a blob (for save/push) → unpack. Nothing becomes visible before the
 * diffID is known and, when expected, verified.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InvalidArgumentError, NotImplementedError } from '../base/errors';
import type { LayerMeta, LayerStore } from '../layer/layer-store';
import type { BlobStore } from './content/blob-store';

const GZIP = Buffer.from([0x1f, 0x8b]);
const ZSTD = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

/** Sniffs the first bytes and returns the uncompressed stream. */
export async function decompressed(src: Readable): Promise<Readable> {
  const first = await new Promise<Buffer>((resolve, reject) => {
    const onReadable = () => {
      const b = src.read(4) as Buffer | null ?? (src.readableLength ? src.read(src.readableLength) as Buffer : null);
      if (b !== null) {
        cleanup();
        resolve(b);
      }
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.alloc(0));
    };
    const onErr = (e: Error) => {
      cleanup();
      reject(e);
    };
    const cleanup = () => {
      src.off('readable', onReadable);
      src.off('end', onEnd);
      src.off('error', onErr);
    };
    src.on('readable', onReadable);
    src.on('end', onEnd);
    src.on('error', onErr);
  });
  src.unshift(first);
  if (first.subarray(0, 2).equals(GZIP)) {
    const gz = createGunzip();
    src.on('error', (e) => gz.destroy(e));
    return src.pipe(gz);
  }
  if (first.subarray(0, 4).equals(ZSTD)) throw new NotImplementedError('zstd-compressed layers are not supported yet', 'ZSTD_UNSUPPORTED');
  return src;
}

export interface IngestedLayer extends LayerMeta {}

export async function ingestLayer(
  deps: { layers: LayerStore; blobs: BlobStore },
  src: Readable,
  parentChainId: string,
  expectedDiffId?: string,
): Promise<IngestedLayer> {
  const plain = await decompressed(src);
  const hash = createHash('sha256');
  const blobTmp = deps.blobs.tempPath();
  const file = createWriteStream(blobTmp);
  const tap = new Transform({
    transform(chunk: Buffer, _e, cb) {
      hash.update(chunk);
      if (!file.write(chunk)) file.once('drain', () => cb(null, chunk));
      else cb(null, chunk);
    },
  });
  plain.on('error', (e) => tap.destroy(e));
  const out = new PassThrough();
  plain.pipe(tap).pipe(out);
  tap.on('error', (e) => out.destroy(e));
  let tmp: string | undefined;
  try {
    const r = await deps.layers.unpackToTemp(out);
    tmp = r.tmp;
    // the tar may end before its padding: drain what is left so the hash covers the whole stream
    if (!out.readableEnded) {
      out.resume();
      await new Promise((res) => out.once('end', res));
    }
    await new Promise<void>((res, rej) => file.end((e?: Error | null) => (e ? rej(e) : res())));
    const diffId = `sha256:${hash.digest('hex')}`;
    if (expectedDiffId && expectedDiffId !== diffId) {
      throw new InvalidArgumentError(`layer content does not match its diff id: expected ${expectedDiffId}, got ${diffId}`, 'DIFFID_MISMATCH');
    }
    const chainId = parentChainId ? `sha256:${createHash('sha256').update(`${parentChainId} ${diffId}`).digest('hex')}` : diffId;
    if (!(await deps.blobs.has(diffId))) await deps.blobs.adopt(blobTmp, diffId);
    const meta = await deps.layers.commit(tmp, { chainId, diffId, parent: parentChainId, size: r.size });
    tmp = undefined;
    return meta;
  } finally {
    file.destroy();
    await fs.rm(blobTmp, { force: true });
    if (tmp) await deps.layers.discard(tmp);
  }
}

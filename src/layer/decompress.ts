/**
 * Layer blobs may be plain tar, gzip or zstd; the magic bytes decide, not the
 * media type (docker-save archives carry no media types at all).
 */
import { createGunzip } from 'node:zlib';
import { Transform, type Readable } from 'node:stream';
import { Decompress } from 'fzstd';
import { NotImplementedError } from '../base/errors';

export type Compression = 'none' | 'gzip' | 'zstd' | 'bzip2' | 'xz';

export function detectCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  if (head.length >= 3 && head.subarray(0, 3).toString('latin1') === 'BZh') return 'bzip2';
  if (head.length >= 6 && head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  return 'none';
}

/** Reads up to `n` bytes without consuming them. */
export async function peek(src: Readable, n: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let len = 0;
  while (len < n) {
    const c = src.read() as Buffer | null;
    if (c !== null) {
      chunks.push(c);
      len += c.length;
      continue;
    }
    if (src.readableEnded || src.destroyed) break;
    await new Promise<void>((resolve, reject) => {
      const off = () => {
        src.off('readable', done);
        src.off('end', done);
        src.off('close', done);
        src.off('error', fail);
      };
      // 'close' too: a stream destroyed without an error emits nothing else
      const done = () => {
        off();
        resolve();
      };
      const fail = (e: Error) => {
        off();
        reject(e);
      };
      src.once('readable', done);
      src.once('end', done);
      src.once('close', done);
      src.once('error', fail);
    });
  }
  const head = Buffer.concat(chunks);
  if (head.length) src.unshift(head);
  return head;
}

function zstdStream(): Transform {
  const t: Transform = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      try {
        d.push(chunk);
        cb();
      } catch (e) {
        cb(e as Error);
      }
    },
    flush(cb) {
      try {
        d.push(new Uint8Array(0), true);
        cb();
      } catch (e) {
        cb(e as Error);
      }
    },
  });
  const d = new Decompress((data) => {
    t.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  });
  return t;
}

/** Returns the uncompressed stream of `src` (src itself when it is plain). */
export async function decompressed(src: Readable): Promise<Readable> {
  const kind = detectCompression(await peek(src, 6));
  if (kind === 'none') return src;
  if (kind === 'bzip2' || kind === 'xz') {
    src.destroy();
    throw new NotImplementedError(`${kind} compressed layers are not supported`, 'COMPRESSION_NOT_SUPPORTED');
  }
  // big output chunks: every chunk costs a callback, a hash update and a write on the main thread
  const t = kind === 'gzip' ? createGunzip({ chunkSize: 1 << 20 }) : zstdStream();
  src.on('error', (e) => t.destroy(e));
  return src.pipe(t);
}

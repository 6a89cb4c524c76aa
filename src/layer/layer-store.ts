/**
 * The overlay layer store: each layer is unpacked once into
 * `<dataRoot>/layers/<chainIdHex>/diff`, with `layer.json` beside it.
 * A layer becomes visible only by renaming a complete temp directory into
 * place, so a crash leaves either nothing or a whole layer. Reference counts
 * live in memory and are rebuilt from the image records at boot.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { InternalError, InvalidArgumentError, NotFoundError } from '../base/errors';
import type { Logger } from '../base/logger';
import { writeJsonAtomic } from '../state/atomic-file';
import { defaultBerthFsPath } from './berth-fs';
import { unpackLayer, type UnpackOptions } from './unpack';

/** The compressed blob a layer was unpacked from, as the registry served it. */
export interface LayerBlobRef {
  digest: string;
  mediaType: string;
  size: number;
}

export interface LayerRecord {
  chainId: string;
  diffId: string;
  /** chain id of the layer below, null for a base layer */
  parent: string | null;
  /** bytes of regular file content */
  size: number;
  /** bytes of the uncompressed tar; absent in records older than this field */
  tarSize?: number;
  /** the kept blob is this compressed one (a pull); absent: the uncompressed tar is kept under diffId */
  blob?: LayerBlobRef;
  /** directories the layer marks opaque ("" its root); absent in records older than this field */
  opaque?: string[];
  created: string;
}

/** What a caller supplies when it commits a staged layer (pull computes chain ids itself). */
export interface LayerMeta {
  chainId: string;
  diffId: string;
  /** chain id of the parent; null or "" for a base layer */
  parent: string | null;
  size: number;
  tarSize?: number;
  blob?: LayerBlobRef;
  opaque?: string[];
}

export interface RegisterOptions {
  /** also keep the uncompressed tar at this path (the image store adopts it as a blob) */
  keepTarAs?: string;
  /** refuse the layer unless its diffId is this */
  expectDiffId?: string;
  /** pin the layer before returning it (see pin()); the caller unpins once an image retains it */
  pin?: boolean;
  signal?: AbortSignal;
}

export interface LayerStoreOptions {
  logger: Logger;
  /** path of build/native/berth-fs; defaults to the repository build */
  fsTool?: string;
}

const HEX = /^[0-9a-f]{64}$/;

/** OCI image-spec: ChainID(L0) = DiffID(L0); ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)). */
export function chainIdOf(parent: string | null, diffId: string): string {
  if (!parent) return diffId;
  return `sha256:${createHash('sha256').update(`${parent} ${diffId}`).digest('hex')}`;
}

export function chainIdsOf(diffIds: string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) out.push(chainIdOf(out.length ? out[out.length - 1]! : null, d));
  return out;
}

export class LayerStore {
  private readonly layers = new Map<string, LayerRecord>();
  private readonly refs = new Map<string, number>();
  /** layers an operation in progress is about to retain: never deleted meanwhile */
  private readonly pins = new Map<string, number>();
  private readonly tmpDir: string;
  private readonly fsTool: string;

  private constructor(readonly root: string, private readonly log: Logger, fsTool: string) {
    this.tmpDir = path.join(root, 'tmp');
    this.fsTool = fsTool;
  }

  /** Opens the store; boot repair removes half-unpacked temp dirs and layers without metadata. */
  static async open(dataRoot: string, opts: LayerStoreOptions): Promise<LayerStore> {
    const s = new LayerStore(path.join(dataRoot, 'layers'), opts.logger, opts.fsTool ?? defaultBerthFsPath());
    await fs.mkdir(s.root, { recursive: true, mode: 0o700 });
    await fs.rm(s.tmpDir, { recursive: true, force: true });
    await fs.mkdir(s.tmpDir, { mode: 0o700 });
    for (const name of await fs.readdir(s.root)) {
      if (name === 'tmp') continue;
      const dir = path.join(s.root, name);
      const meta = await fs.readFile(path.join(dir, 'layer.json'), 'utf8').then((t) => JSON.parse(t) as LayerRecord, () => undefined);
      if (!HEX.test(name) || !meta || meta.chainId !== `sha256:${name}`) {
        s.log.warn({ dir }, 'removing incomplete layer directory');
        await fs.rm(dir, { recursive: true, force: true });
        continue;
      }
      s.layers.set(meta.chainId, meta);
    }
    return s;
  }

  get(chainId: string): LayerRecord | undefined {
    return this.layers.get(chainId);
  }

  has(chainId: string): boolean {
    return this.layers.has(chainId);
  }

  all(): LayerRecord[] {
    return [...this.layers.values()];
  }

  diffDir(chainId: string): string {
    if (!this.layers.has(chainId)) throw new NotFoundError('layer', chainId, `layer does not exist: ${chainId}`);
    return path.join(this.root, chainId.replace(/^sha256:/, ''), 'diff');
  }

  /** Overlay lowerdirs for a chain given bottom first; returns top-most first. */
  lowerDirs(chainIds: string[]): string[] {
    return chainIds.map((c) => this.diffDir(c)).reverse();
  }

  /** The chain ending at `chainId`, bottom first. */
  chainOf(chainId: string): string[] {
    const out: string[] = [];
    for (let c: string | null = chainId; c; c = this.layers.get(c)?.parent ?? null) {
      if (!this.layers.has(c)) throw new NotFoundError('layer', c, `layer does not exist: ${c}`);
      out.unshift(c);
    }
    return out;
  }

  /** A fresh temp path under the store, for callers that stage files next to layers. */
  tempPath(prefix: string): string {
    return path.join(this.tmpDir, `${prefix}-${randomBytes(8).toString('hex')}`);
  }

  /**
   * Unpacks a (possibly gzip/zstd) layer tar on top of `parent`. When the
   * resulting chain id exists already, the new copy is discarded.
   */
  async register(tar: Readable, parent: string | null, opts: RegisterOptions = {}): Promise<LayerRecord> {
    if (parent && !this.layers.has(parent)) throw new NotFoundError('layer', parent, `layer does not exist: ${parent}`);
    const lower = parent ? this.lowerDirs(this.chainOf(parent)) : [];
    const staged = await this.unpackToTemp(tar, { signal: opts.signal, keepTarAs: opts.keepTarAs, lowerDirs: lower });
    try {
      if (opts.expectDiffId && opts.expectDiffId !== staged.diffId) {
        throw new InvalidArgumentError(`layer digest mismatch: expected ${opts.expectDiffId}, got ${staged.diffId}`, 'LAYER_DIGEST_MISMATCH');
      }
    } catch (e) {
      await this.discard(staged.tmp);
      throw e;
    }
    const rec = await this.commit(staged.tmp, { chainId: chainIdOf(parent, staged.diffId), diffId: staged.diffId, parent, size: staged.size, tarSize: staged.tarSize, opaque: staged.opaque }, opts.pin);
    return rec;
  }

  /**
   * Keeps a layer and the chain below it from deletion between ingesting it
   * and an image retaining it (an rmi of another image may run meanwhile).
   */
  pin(chainId: string): void {
    this.pins.set(chainId, (this.pins.get(chainId) ?? 0) + 1);
  }

  unpin(chainId: string): void {
    const n = (this.pins.get(chainId) ?? 0) - 1;
    if (n > 0) this.pins.set(chainId, n);
    else this.pins.delete(chainId);
  }

  private isPinned(chainId: string): boolean {
    for (const c of this.pins.keys()) {
      // a pinned layer needs its whole chain
      for (let x: string | null = c; x; x = this.layers.get(x)?.parent ?? null) if (x === chainId) return true;
    }
    return false;
  }

  /**
   * Two-step form of register for callers that verify digests before any
   * layer becomes visible (pull): unpack now, then commit or discard.
   */
  async unpackToTemp(tar: Readable, opts: Omit<UnpackOptions, 'fsTool'> = {}): Promise<{ tmp: string; size: number; diffId: string; tarSize: number; opaque: string[] }> {
    const tmp = this.tempPath('unpack');
    await fs.mkdir(path.join(tmp, 'diff'), { recursive: true, mode: 0o755 });
    try {
      const r = await unpackLayer(tar, path.join(tmp, 'diff'), { ...opts, fsTool: this.fsTool });
      return { tmp, size: r.size, diffId: r.diffId, tarSize: r.tarSize, opaque: r.opaque };
    } catch (e) {
      await fs.rm(tmp, { recursive: true, force: true });
      throw e;
    }
  }

  /**
   * A directory already in layer form becomes the layer (moved, on the same file system): the
   * same visibility rule as an unpacked one, a complete temp dir renamed into place.
   */
  async adopt(diffDir: string, meta: LayerMeta, pin = false): Promise<LayerRecord> {
    const tmp = this.tempPath('adopt');
    await fs.mkdir(tmp, { mode: 0o700 });
    try {
      await fs.rename(diffDir, path.join(tmp, 'diff'));
    } catch (e) {
      await fs.rm(tmp, { recursive: true, force: true });
      throw e;
    }
    return this.commit(tmp, meta, pin);
  }

  /** Makes a staged layer visible; if the same chain exists already, the staged copy is dropped. */
  async commit(tmp: string, meta: LayerMeta, pin = false): Promise<LayerRecord> {
    const parent = meta.parent || null;
    if (chainIdOf(parent, meta.diffId) !== meta.chainId) throw new InternalError(`chain id ${meta.chainId} does not follow from parent ${parent} and diff ${meta.diffId}`, 'BAD_CHAIN_ID');
    if (parent && !this.layers.has(parent)) throw new NotFoundError('layer', parent, `layer does not exist: ${parent}`);
    try {
      const existing = this.layers.get(meta.chainId);
      if (existing) {
        if (pin) this.pin(existing.chainId);
        return existing;
      }
      const rec: LayerRecord = {
        chainId: meta.chainId,
        diffId: meta.diffId,
        parent,
        size: meta.size,
        ...(meta.tarSize !== undefined ? { tarSize: meta.tarSize } : {}),
        ...(meta.blob ? { blob: meta.blob } : {}),
        ...(meta.opaque ? { opaque: meta.opaque } : {}),
        created: new Date().toISOString(),
      };
      await writeJsonAtomic(path.join(tmp, 'layer.json'), rec);
      try {
        await fs.rename(tmp, path.join(this.root, meta.chainId.slice('sha256:'.length)));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if ((code === 'ENOTEMPTY' || code === 'EEXIST') && this.layers.has(meta.chainId)) {
          if (pin) this.pin(meta.chainId);
          return this.layers.get(meta.chainId)!;
        }
        throw e;
      }
      this.layers.set(meta.chainId, rec);
      if (pin) this.pin(meta.chainId);
      return rec;
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  }

  /** Points an existing layer at another kept blob (its own went missing, and a pull brought this one). */
  async setBlob(chainId: string, blob: LayerBlobRef | undefined, tarSize: number): Promise<LayerRecord> {
    const cur = this.layers.get(chainId);
    if (!cur) throw new NotFoundError('layer', chainId, `layer does not exist: ${chainId}`);
    const rec: LayerRecord = { ...cur, tarSize };
    if (blob) rec.blob = blob;
    else delete rec.blob;
    await writeJsonAtomic(path.join(this.root, chainId.slice('sha256:'.length), 'layer.json'), rec);
    this.layers.set(chainId, rec);
    return rec;
  }

  async discard(tmp: string): Promise<void> {
    if (!tmp.startsWith(this.tmpDir + path.sep)) throw new InternalError(`not a staged layer: ${tmp}`);
    await fs.rm(tmp, { recursive: true, force: true });
  }

  retain(chainIds: string[]): void {
    for (const c of chainIds) this.refs.set(c, (this.refs.get(c) ?? 0) + 1);
  }

  refCount(chainId: string): number {
    return this.refs.get(chainId) ?? 0;
  }

  /** Drops one reference per chain id and deletes layers nobody uses; returns deleted chain ids, top first. */
  async release(chainIds: string[]): Promise<LayerRecord[]> {
    for (const c of chainIds) {
      const n = (this.refs.get(c) ?? 0) - 1;
      if (n > 0) this.refs.set(c, n);
      else this.refs.delete(c);
    }
    const gone: LayerRecord[] = [];
    for (const c of [...chainIds].reverse()) {
      if (this.refCount(c) > 0 || this.isPinned(c)) continue;
      const rec = this.layers.get(c);
      if (!rec) continue;
      // a layer with children in use stays, whatever its own count
      if ([...this.layers.values()].some((l) => l.parent === c)) continue;
      await this.delete(c);
      gone.push(rec);
    }
    return gone;
  }

  /** Boot repair: deletes every layer no image retains (leftovers of interrupted operations). */
  async removeUnreferenced(): Promise<LayerRecord[]> {
    const gone: LayerRecord[] = [];
    let changed = true;
    while (changed) {
      changed = false;
      for (const rec of [...this.layers.values()]) {
        if (this.refCount(rec.chainId) > 0 || this.isPinned(rec.chainId)) continue;
        if ([...this.layers.values()].some((l) => l.parent === rec.chainId)) continue;
        await this.delete(rec.chainId);
        gone.push(rec);
        changed = true;
      }
    }
    return gone;
  }

  private async delete(chainId: string): Promise<void> {
    const dir = path.join(this.root, chainId.slice('sha256:'.length));
    const trash = this.tempPath('rm');
    // rename first: the layer disappears atomically, the slow rm happens out of sight
    await fs.rename(dir, trash);
    this.layers.delete(chainId);
    await fs.rm(trash, { recursive: true, force: true });
  }
}

/**
 * Unpacked layers, each once, shared by every image that uses it:
 * `<dataRoot>/layers/<chainIdHex>/{diff/, layer.json}`. A layer is unpacked
 * into a temp directory and renamed into place only when complete.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { readJson, writeJsonAtomic } from '../state/atomic-file';
import { unpackLayer } from './unpack';
import { InternalError } from '../base/errors';

export interface LayerMeta {
  chainId: string;
  diffId: string;
  parent: string; // chain id of the parent, "" for the base
  size: number;
}

/** chainID(L0) = diffID(L0); chainID(Ln) = sha256(chainID(Ln-1) + " " + diffID(Ln)) (OCI image spec). */
export function chainIds(diffIds: string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) {
    const prev = out[out.length - 1];
    out.push(prev ? `sha256:${createHash('sha256').update(`${prev} ${d}`).digest('hex')}` : d);
  }
  return out;
}

export class LayerStore {
  readonly dir: string;

  constructor(dataRoot: string) {
    this.dir = path.join(dataRoot, 'layers');
  }

  async init(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    // Boot repair: half-unpacked layers (temp dirs) and layers without metadata never completed.
    for (const e of await fs.readdir(this.dir)) {
      const p = path.join(this.dir, e);
      if (e.startsWith('tmp-') || !(await fs.stat(path.join(p, 'layer.json')).then(() => true, () => false))) {
        await fs.rm(p, { recursive: true, force: true });
      }
    }
  }

  private layerDir(chainId: string): string {
    return path.join(this.dir, chainId.replace(/^sha256:/, ''));
  }

  diffDir(chainId: string): string {
    return path.join(this.layerDir(chainId), 'diff');
  }

  async get(chainId: string): Promise<LayerMeta | undefined> {
    return readJson<LayerMeta>(path.join(this.layerDir(chainId), 'layer.json'));
  }

  async has(chainId: string): Promise<boolean> {
    return (await this.get(chainId)) !== undefined;
  }

  /** Unpacks an uncompressed layer tar into a temp directory (not yet visible as a layer). */
  async unpackToTemp(tar: Readable): Promise<{ tmp: string; size: number }> {
    const tmp = path.join(this.dir, `tmp-${randomBytes(6).toString('hex')}`);
    await fs.mkdir(path.join(tmp, 'diff'), { recursive: true, mode: 0o755 });
    try {
      const { size } = await unpackLayer(tar, path.join(tmp, 'diff'));
      return { tmp, size };
    } catch (e) {
      await fs.rm(tmp, { recursive: true, force: true });
      throw e;
    }
  }

  /** Makes a verified temp layer visible; if the same layer appeared meanwhile, keeps that one. */
  async commit(tmp: string, meta: LayerMeta): Promise<LayerMeta> {
    await writeJsonAtomic(path.join(tmp, 'layer.json'), meta);
    try {
      await fs.rename(tmp, this.layerDir(meta.chainId));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
      await this.discard(tmp);
    }
    return meta;
  }

  async discard(tmp: string): Promise<void> {
    await fs.rm(tmp, { recursive: true, force: true });
  }

  async remove(chainId: string): Promise<void> {
    const dir = this.layerDir(chainId);
    // Rename first so a crash mid-delete leaves a temp dir that boot repair removes.
    const tmp = path.join(this.dir, `tmp-rm-${randomBytes(6).toString('hex')}`);
    try {
      await fs.rename(dir, tmp);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new InternalError(`removing layer ${chainId}: ${(e as Error).message}`);
    }
    await fs.rm(tmp, { recursive: true, force: true });
  }

  async all(): Promise<string[]> {
    const out: string[] = [];
    for (const e of await fs.readdir(this.dir)) if (/^[0-9a-f]{64}$/.test(e)) out.push(`sha256:${e}`);
    return out;
  }
}

/**
 * `docker save`: one tar that both old and new Docker load, in Docker 25's
 * shape: an OCI image layout (`oci-layout`, `index.json`, `blobs/sha256/*`)
 * whose `manifest.json` and `repositories` point into the same blobs, plus the
 * legacy `<layer>/{VERSION,json,layer.tar}` and `<config>.json` as symlinks.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pack } from 'tar-stream';
import { MediaTypes, type Descriptor } from '../protocol/oci/image';
import { type ImageContext, localManifest, publishImageEvent } from './image-context';
import { layerTarSize, openLayerTar } from './layer-content';
import { familiarName, parseReference, repositoryName } from './reference';
import { InternalError } from '../base/errors';
import type { LayerRecord } from '../layer/layer-store';
import type { ImageRecord } from './types';

interface SaveItem {
  img: ImageRecord;
  tags: string[];
}

/** Docker's naming rules: by id → no tags; name:tag → that tag; a bare repository name → all its tags. */
export function selectImages(ctx: Pick<ImageContext, 'store'>, refs: string[]): SaveItem[] {
  const byId = new Map<string, SaveItem>();
  const add = (img: ImageRecord, tags: string[]) => {
    const it = byId.get(img.id) ?? { img, tags: [] };
    for (const t of tags) if (!it.tags.includes(t)) it.tags.push(t);
    byId.set(img.id, it);
  };
  for (const ref of refs) {
    let parsed;
    try {
      parsed = parseReference(ref);
    } catch {
      parsed = undefined; // "sha256:…" ids do not parse as references
    }
    if (parsed && !parsed.digest && parsed.tag === undefined) {
      // a bare repository name: every tag of it, whichever images they name
      const repo = familiarName(parsed);
      let found = false;
      for (const other of ctx.store.all()) {
        const tags = other.repoTags.filter((t) => t.slice(0, t.lastIndexOf(':')) === repo);
        if (tags.length) {
          add(other, tags);
          found = true;
        }
      }
      if (found) continue;
    }
    const img = ctx.store.resolve(ref);
    const namedTag = parsed && !parsed.digest ? `${familiarName(parsed)}:${parsed.tag ?? 'latest'}` : undefined;
    add(img, namedTag && img.repoTags.includes(namedTag) ? [namedTag] : []);
  }
  return [...byId.values()];
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

export async function saveImages(ctx: ImageContext, refs: string[], out: Writable): Promise<void> {
  // resolve everything before writing a byte, so a bad name is a clean error
  const items = selectImages(ctx, refs);
  const p = pack();
  const done = pipeline(p, out);
  const epoch = new Date(0);
  const mtime = epoch;
  const written = new Set<string>();
  const once = (name: string) => (written.has(name) ? false : (written.add(name), true));
  const addBuffer = (name: string, data: Buffer | string) =>
    new Promise<void>((res, rej) => p.entry({ name, mtime, mode: 0o644 }, data, (e) => (e ? rej(e) : res())));
  const addDir = (name: string) => new Promise<void>((res, rej) => p.entry({ name, type: 'directory', mtime, mode: 0o755 }, (e) => (e ? rej(e) : res())));
  const addLink = (name: string, linkname: string) =>
    new Promise<void>((res, rej) => p.entry({ name, type: 'symlink', linkname, mtime, mode: 0o777 }, (e) => (e ? rej(e) : res())));
  const addFile = async (name: string, size: number, open: () => Promise<Readable>, mtime = epoch) => {
    const src = await open();
    await new Promise<void>((res, rej) => {
      const entry = p.entry({ name, size, mtime, mode: 0o644 }, (e) => (e ? rej(e) : res()));
      entry.on('error', () => undefined); // reported through the callback; destroying the pack below destroys the entry too
      src.on('error', rej).pipe(entry);
    });
  };
  const addBlobFile = async (digest: string, time = epoch) => {
    const name = `blobs/sha256/${digest.slice(7)}`;
    if (!once(name)) return;
    await addFile(name, await ctx.blobs.size(digest), async () => createReadStream(ctx.blobs.path(digest)), time);
  };
  /** Saves carry uncompressed layers under their diffIds (what every docker load reads); a kept compressed blob is decompressed here. */
  const addLayerTar = async (layer: LayerRecord) => {
    const name = `blobs/sha256/${layer.diffId.slice(7)}`;
    if (!once(name)) return;
    await addFile(name, await layerTarSize(ctx.blobs, layer), () => openLayerTar(ctx.blobs, layer));
  };
  const addBlobBuffer = async (data: Buffer): Promise<string> => {
    const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
    if (once(`blobs/sha256/${digest.slice(7)}`)) await addBuffer(`blobs/sha256/${digest.slice(7)}`, data);
    return digest;
  };

  try {
    await addDir('blobs/');
    await addDir('blobs/sha256/');
    await addBuffer('oci-layout', JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    const manifestJson: Array<{ Config: string; RepoTags: string[] | null; Layers: string[] }> = [];
    const repositories: Record<string, Record<string, string>> = {};
    const index: Descriptor[] = [];
    for (const { img, tags } of items) {
      const configBytes = await ctx.blobs.read(img.id);
      // the config carries the image's creation time, as dockerd's graphdriver save does (the rest stays at the epoch)
      const created = new Date(img.config.created ?? img.created);
      await addBlobFile(img.id, Number.isNaN(created.getTime()) ? epoch : created);
      const cfgHex = img.id.slice(7);
      if (once(`${cfgHex}.json`)) await addLink(`${cfgHex}.json`, `blobs/sha256/${cfgHex}`);
      const diffIds = img.config.rootfs?.diff_ids ?? []; // a config may carry null (no layers)
      const layerPaths: string[] = [];
      const layerDescs: Descriptor[] = [];
      let v1Parent = '';
      for (let i = 0; i < diffIds.length; i++) {
        const diffId = diffIds[i]!;
        const layer = ctx.layers.get(img.chainIds[i] ?? '');
        if (!layer || layer.diffId !== diffId) throw new InternalError(`image ${img.id}: layer ${i} (${diffId}) is missing from the layer store`, 'LAYER_MISSING');
        await addLayerTar(layer);
        layerDescs.push({ mediaType: MediaTypes.ociLayer, digest: diffId, size: await layerTarSize(ctx.blobs, layer) });
        // a v1 id only names the legacy directory; it depends on the whole chain below, like Docker's
        const v1 = sha(`${img.chainIds[i] ?? diffId} ${v1Parent}`);
        if (once(`${v1}/`)) {
          await addDir(`${v1}/`);
          await addBuffer(`${v1}/VERSION`, '1.0');
          await addBuffer(`${v1}/json`, JSON.stringify({ id: v1, ...(v1Parent ? { parent: v1Parent } : {}), created: '1970-01-01T00:00:00Z', container_config: { Cmd: null } }));
          await addLink(`${v1}/layer.tar`, `../blobs/sha256/${diffId.slice(7)}`);
        }
        layerPaths.push(`blobs/sha256/${diffId.slice(7)}`);
        v1Parent = v1;
      }
      const manifest = localManifest(img.id, configBytes.length, layerDescs);
      const manifestDigest = await addBlobBuffer(manifest);
      const desc = { mediaType: MediaTypes.ociManifest, digest: manifestDigest, size: manifest.length };
      if (!tags.length) index.push(desc);
      for (const t of tags) {
        const r = parseReference(t);
        index.push({ ...desc, annotations: { 'io.containerd.image.name': `${repositoryName(r)}:${r.tag ?? 'latest'}`, 'org.opencontainers.image.ref.name': r.tag ?? 'latest' } });
        if (v1Parent) (repositories[familiarName(r)] ??= {})[r.tag ?? 'latest'] = v1Parent;
      }
      manifestJson.push({ Config: `blobs/sha256/${cfgHex}`, RepoTags: tags.length ? tags : null, Layers: layerPaths });
    }
    await addBuffer('index.json', JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: index }));
    await addBuffer('manifest.json', JSON.stringify(manifestJson));
    if (Object.keys(repositories).length) await addBuffer('repositories', JSON.stringify(repositories));
    p.finalize();
    await done;
  } catch (e) {
    p.destroy(e as Error);
    await done.catch(() => undefined);
    throw e;
  }
  for (const { img, tags } of items) publishImageEvent(ctx, 'save', img.id, tags[0] ?? img.id);
}

/**
 * `docker save`: the docker-save layout (`manifest.json`, `repositories`,
 * `<config>.json`, `<layer>/layer.tar`), which every Docker version loads.
 */
import { createReadStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pack } from 'tar-stream';
import { type ImageContext, publishImageEvent } from './image-context';
import { familiarName, looksLikeId, normalizeTag, parseReference } from './reference';

export async function saveImages(ctx: ImageContext, refs: string[], out: Writable): Promise<void> {
  // resolve everything before writing a byte, so a bad name is a clean error
  const items = refs.map((ref) => {
    const img = ctx.store.resolve(ref);
    const tags = looksLikeId(ref) && !img.repoTags.includes(normalizeTag(ref)) ? img.repoTags : [normalizeTag(ref)];
    return { img, tags };
  });
  const p = pack();
  const done = pipeline(p, out);
  const manifest: Array<{ Config: string; RepoTags: string[]; Layers: string[] }> = [];
  const repositories: Record<string, Record<string, string>> = {};
  const written = new Set<string>();
  const addBuffer = (name: string, data: Buffer | string) =>
    new Promise<void>((res, rej) => p.entry({ name, mtime: new Date(0) }, data, (e) => (e ? rej(e) : res())));
  const addFile = async (name: string, file: string, size: number) => {
    await new Promise<void>((res, rej) => {
      const entry = p.entry({ name, size, mtime: new Date(0) }, (e) => (e ? rej(e) : res()));
      createReadStream(file).on('error', rej).pipe(entry);
    });
  };
  for (const { img, tags } of items) {
    const cfgHex = img.id.slice('sha256:'.length);
    const layers: string[] = [];
    let parent = '';
    for (const diffId of img.config.rootfs.diff_ids) {
      const hex = diffId.slice('sha256:'.length);
      const dir = `${hex}`;
      if (!written.has(dir)) {
        written.add(dir);
        await addBuffer(`${dir}/VERSION`, '1.0');
        await addBuffer(`${dir}/json`, JSON.stringify(parent ? { id: hex, parent } : { id: hex }));
        await addFile(`${dir}/layer.tar`, ctx.blobs.path(diffId), await ctx.blobs.size(diffId));
      }
      layers.push(`${dir}/layer.tar`);
      parent = hex;
    }
    if (!written.has(cfgHex)) {
      written.add(cfgHex);
      await addBuffer(`${cfgHex}.json`, await ctx.blobs.read(img.id));
    }
    manifest.push({ Config: `${cfgHex}.json`, RepoTags: tags, Layers: layers });
    for (const t of tags) {
      const r = parseReference(t);
      (repositories[familiarName(r)] ??= {})[r.tag ?? 'latest'] = parent;
    }
    publishImageEvent(ctx, 'save', img.id, tags[0]);
  }
  await addBuffer('manifest.json', JSON.stringify(manifest));
  await addBuffer('repositories', JSON.stringify(repositories));
  p.finalize();
  await done;
}

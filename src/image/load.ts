/**
 * `docker load`: docker-save archives (any Docker version, layers plain or
 * compressed) and OCI image layouts. The archive is unpacked to a temp dir
 * first because its entries come in no fixed order; every layer is verified
 * against the config's diff IDs before an image is registered.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import { InvalidArgumentError } from '../base/errors';
import type { LayerMeta } from '../layer/layer-store';
import { cleanEntryPath } from '../layer/unpack';
import type { Descriptor, ImageConfigFile, ImageIndex, ImageManifest } from '../protocol/oci/image';
import { type ImageContext, publishImageEvent, registerImage } from './image-context';
import { decompressed, ingestLayer } from './layer-ingest';
import { normalizeTag, parseReference, familiarTagged } from './reference';

async function extractArchive(src: Readable, dir: string): Promise<Map<string, string>> {
  const links = new Map<string, string>(); // symlinked entries (old docker-save dedup)
  const ex = extract();
  const done = new Promise<void>((res, rej) => {
    ex.on('finish', res);
    ex.on('error', rej);
    src.on('error', rej);
  });
  ex.on('entry', (h, stream, next) => {
    const go = async () => {
      const rel = cleanEntryPath(h.name);
      if (!rel) return stream.resume();
      const p = path.join(dir, rel);
      if (h.type === 'file' || h.type === 'contiguous-file') {
        await fs.mkdir(path.dirname(p), { recursive: true });
        const fh = await fs.open(p, 'wx');
        try {
          for await (const c of stream) await fh.write(c as Buffer);
        } finally {
          await fh.close();
        }
        return;
      }
      stream.resume();
      if (h.type === 'symlink' || h.type === 'link') {
        const target = h.type === 'symlink' ? path.posix.join(path.posix.dirname(rel), h.linkname ?? '') : h.linkname ?? '';
        links.set(rel, cleanEntryPath(target));
      }
    };
    go().then(() => next(), (e: unknown) => ex.destroy(e as Error));
  });
  // gzip'd archives are accepted too
  (await decompressed(src)).pipe(ex);
  await done;
  return links;
}

function resolvePath(dir: string, links: Map<string, string>, rel: string): string {
  let r = cleanEntryPath(rel);
  for (let i = 0; i < 8 && links.has(r); i++) r = links.get(r)!;
  return path.join(dir, r);
}

async function readJsonFile<T>(file: string, what: string): Promise<T> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch {
    throw new InvalidArgumentError(`invalid archive: cannot read ${what}`, 'BAD_ARCHIVE');
  }
}

async function fileDigest(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(file)) h.update(c as Buffer);
  return `sha256:${h.digest('hex')}`;
}

async function ingestLayers(ctx: ImageContext, config: ImageConfigFile, layerFiles: string[]): Promise<LayerMeta[]> {
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== layerFiles.length) throw new InvalidArgumentError('invalid archive: layer count does not match the config', 'BAD_ARCHIVE');
  const out: LayerMeta[] = [];
  let parent = '';
  for (let i = 0; i < diffIds.length; i++) {
    const chain = parent ? `sha256:${createHash('sha256').update(`${parent} ${diffIds[i]}`).digest('hex')}` : diffIds[i]!;
    const existing = await ctx.layers.get(chain);
    const meta = existing && (await ctx.blobs.has(diffIds[i]!)) ? existing : await ingestLayer(ctx, createReadStream(layerFiles[i]!), parent, diffIds[i]);
    out.push(meta);
    parent = meta.chainId;
  }
  return out;
}

async function loadDockerSave(ctx: ImageContext, dir: string, links: Map<string, string>): Promise<string[]> {
  const manifest = await readJsonFile<Array<{ Config: string; RepoTags?: string[] | null; Layers: string[] }>>(path.join(dir, 'manifest.json'), 'manifest.json');
  const lines: string[] = [];
  for (const m of manifest) {
    const config = await readJsonFile<ImageConfigFile>(resolvePath(dir, links, m.Config), m.Config);
    const layers = await ingestLayers(ctx, config, m.Layers.map((l) => resolvePath(dir, links, l)));
    const tags = (m.RepoTags ?? []).map((t) => normalizeTag(t));
    const rec = await registerImage(ctx, config, layers, tags);
    publishImageEvent(ctx, 'load', rec.id, tags[0]);
    if (tags.length) for (const t of tags) lines.push(`Loaded image: ${t}`);
    else lines.push(`Loaded image ID: ${rec.id}`);
  }
  return lines;
}

function tagFromAnnotations(a: Record<string, string> | undefined): string | undefined {
  const full = a?.['io.containerd.image.name'];
  if (full) return familiarTagged(parseReference(full));
  const ref = a?.['org.opencontainers.image.ref.name'];
  if (!ref) return undefined;
  // a bare tag ("latest") names nothing we can tag; a full reference ("busybox:1", "a/b") does
  if (!/[/:]/.test(ref)) return undefined;
  try {
    return familiarTagged(parseReference(ref));
  } catch {
    return undefined;
  }
}

async function loadOciLayout(ctx: ImageContext, dir: string): Promise<string[]> {
  const blob = async (d: Descriptor): Promise<string> => {
    const [alg, hex] = d.digest.split(':');
    if (alg !== 'sha256' || !/^[0-9a-f]{64}$/.test(hex ?? '')) throw new InvalidArgumentError(`unsupported digest ${d.digest}`);
    const file = path.join(dir, 'blobs', 'sha256', hex!);
    if ((await fileDigest(file).catch(() => '')) !== d.digest) throw new InvalidArgumentError(`invalid archive: blob ${d.digest} is missing or corrupt`, 'BAD_ARCHIVE');
    return file;
  };
  const lines: string[] = [];
  const visit = async (d: Descriptor, inherited: Record<string, string> | undefined): Promise<void> => {
    const annotations = { ...(inherited ?? {}), ...(d.annotations ?? {}) };
    const doc = await readJsonFile<ImageIndex & ImageManifest>(await blob(d), d.digest);
    if (Array.isArray(doc.manifests)) {
      for (const m of doc.manifests) {
        if (m.platform && (m.platform.os !== 'linux' || !['amd64', 'x86_64'].includes(m.platform.architecture))) continue;
        await visit(m, annotations);
      }
      return;
    }
    const config = await readJsonFile<ImageConfigFile>(await blob(doc.config), 'config');
    const files = await Promise.all(doc.layers.map((l) => blob(l)));
    const layers = await ingestLayers(ctx, config, files);
    const tag = tagFromAnnotations(annotations);
    const rec = await registerImage(ctx, config, layers, tag ? [tag] : []);
    publishImageEvent(ctx, 'load', rec.id, tag);
    lines.push(tag ? `Loaded image: ${tag}` : `Loaded image ID: ${rec.id}`);
  };
  const index = await readJsonFile<ImageIndex>(path.join(dir, 'index.json'), 'index.json');
  for (const m of index.manifests ?? []) await visit(m, undefined);
  return lines;
}

export async function loadArchive(ctx: ImageContext, src: Readable, _opts: { signal?: AbortSignal } = {}): Promise<string[]> {
  const dir = path.join(ctx.blobs.tmpDir, `load-${randomBytes(6).toString('hex')}`);
  await fs.mkdir(dir, { recursive: true });
  try {
    const links = await extractArchive(src, dir);
    if (await fs.stat(path.join(dir, 'manifest.json')).then(() => true, () => false)) return await loadDockerSave(ctx, dir, links);
    if (await fs.stat(path.join(dir, 'index.json')).then(() => true, () => false)) return await loadOciLayout(ctx, dir);
    throw new InvalidArgumentError('invalid archive: neither manifest.json nor index.json found', 'BAD_ARCHIVE');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

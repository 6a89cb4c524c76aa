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
import { errorMessage, InvalidArgumentError, isBerthError } from '../base/errors';
import * as os from 'node:os';
import { chainIdOf, type LayerRecord } from '../layer/layer-store';
import { decompressed } from '../layer/decompress';
import { normalizeEntryPath as cleanEntryPath } from '../layer/path-safety';
import type { Descriptor, ImageConfigFile, ImageIndex, ImageManifest } from '../protocol/oci/image';
import { type ImageContext, publishImageEvent, registerImage } from './image-context';
import { hasLayerContent } from './layer-content';
import { ingestLayer } from './layer-ingest';
import { normalizeTag, parseReference, familiarTagged } from './reference';
import { matchPlatform, type Platform } from './distribution/platform';
import { configMatchesPlatform } from './platform';
import type { LoadOptions } from './types';

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
        await fs.rm(p, { force: true, recursive: true }); // a later entry of the same name wins, as in tar
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

/** Ingests the layers bottom first, each pinned until `unpin` (after the image retained them). */
async function ingestLayers(ctx: ImageContext, config: ImageConfigFile, layerFiles: string[], signal?: AbortSignal): Promise<{ layers: LayerRecord[]; unpin: () => void }> {
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== layerFiles.length) throw new InvalidArgumentError('invalid archive: layer count does not match the config', 'BAD_ARCHIVE');
  const out: LayerRecord[] = [];
  const unpin = () => {
    for (const l of out.splice(0)) ctx.layers.unpin(l.chainId);
  };
  let parent: string | null = null;
  try {
    for (let i = 0; i < diffIds.length; i++) {
      const chainId = chainIdOf(parent, diffIds[i]!);
      let meta = ctx.layers.get(chainId);
      if (meta) ctx.layers.pin(chainId); // synchronously after get: nothing can delete it in between
      if (meta && !(await hasLayerContent(ctx.blobs, meta))) {
        ctx.layers.unpin(chainId);
        meta = undefined;
      }
      if (!meta) {
        const file = createReadStream(layerFiles[i]!);
        try {
          meta = await ingestLayer(ctx, file, parent, diffIds[i], signal, { pin: true });
        } finally {
          file.destroy(); // a refused layer leaves its file unread; the stream is ours to close
        }
      }
      out.push(meta);
      parent = meta.chainId;
    }
  } catch (e) {
    unpin();
    throw e;
  }
  return { layers: [...out], unpin };
}

/** Docker's note when a loaded tag moves away from another image. */
function renameLines(replaced: { tag: string; id: string }[]): string[] {
  return replaced.map((r) => `The image ${r.tag} already exists, renaming the old one with ID ${r.id} to empty string`);
}

async function loadDockerSave(ctx: ImageContext, dir: string, links: Map<string, string>, signal?: AbortSignal, platform?: Platform): Promise<string[]> {
  const manifest = await readJsonFile<Array<{ Config: string; RepoTags?: string[] | null; Layers: string[] | null }>>(path.join(dir, 'manifest.json'), 'manifest.json');
  const lines: string[] = [];
  for (const m of manifest) {
    const configFile = resolvePath(dir, links, m.Config);
    const config = await readJsonFile<ImageConfigFile>(configFile, m.Config);
    // dockerd skips the images of other platforms when one is asked for
    if (platform && !configMatchesPlatform(config, platform)) continue;
    const tags = (m.RepoTags ?? []).map((t) => normalizeTag(t));
    // "Layers": null is how an image without layers is written (dockerd and moby's fixtures)
    const { layers, unpin } = await ingestLayers(ctx, config, (m.Layers ?? []).map((l) => resolvePath(dir, links, l)), signal);
    const { record: rec, replaced } = await registerImage(ctx, await fs.readFile(configFile), layers, tags).finally(unpin);
    lines.push(...renameLines(replaced));
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

const GO_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' };

async function loadOciLayout(ctx: ImageContext, dir: string, signal?: AbortSignal, platform?: Platform): Promise<string[]> {
  const hostArch = GO_ARCH[os.arch()] ?? os.arch();
  const wanted = (m: Descriptor): boolean =>
    !m.platform || (platform ? matchPlatform([m], platform) !== undefined : m.platform.os === 'linux' && m.platform.architecture === hostArch);
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
        if (!wanted(m)) continue;
        await visit(m, annotations);
      }
      return;
    }
    const configFile = await blob(doc.config);
    const config = await readJsonFile<ImageConfigFile>(configFile, 'config');
    if (platform && !configMatchesPlatform(config, platform)) return;
    const files = await Promise.all(doc.layers.map((l) => blob(l)));
    const tag = tagFromAnnotations(annotations);
    const { layers, unpin } = await ingestLayers(ctx, config, files, signal);
    const { record: rec, replaced } = await registerImage(ctx, await fs.readFile(configFile), layers, tag ? [tag] : []).finally(unpin);
    lines.push(...renameLines(replaced));
    publishImageEvent(ctx, 'load', rec.id, tag);
    lines.push(tag ? `Loaded image: ${tag}` : `Loaded image ID: ${rec.id}`);
  };
  const index = await readJsonFile<ImageIndex>(path.join(dir, 'index.json'), 'index.json');
  for (const m of index.manifests ?? []) await visit(m, undefined);
  return lines;
}

export async function loadArchive(ctx: ImageContext, src: Readable, opts: LoadOptions = {}): Promise<string[]> {
  const dir = path.join(ctx.blobs.tmpDir, `load-${randomBytes(6).toString('hex')}`);
  await fs.mkdir(dir, { recursive: true });
  try {
    let links: Map<string, string>;
    try {
      links = await extractArchive(src, dir);
    } catch (e) {
      if (isBerthError(e) || (e as NodeJS.ErrnoException).code === 'ENOSPC') throw e;
      throw new InvalidArgumentError(`invalid archive: ${errorMessage(e)}`, 'BAD_ARCHIVE', { cause: e });
    }
    if (await fs.stat(path.join(dir, 'manifest.json')).then(() => true, () => false)) return await loadDockerSave(ctx, dir, links, opts.signal, opts.platform);
    if (await fs.stat(path.join(dir, 'index.json')).then(() => true, () => false)) return await loadOciLayout(ctx, dir, opts.signal, opts.platform);
    throw new InvalidArgumentError('invalid archive: neither manifest.json nor index.json found', 'BAD_ARCHIVE');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

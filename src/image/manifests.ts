/**
 * An image's manifests as API 1.47/1.48 show them (image list/inspect `Descriptor` and `Manifests`, a
 * container's `ImageManifestDescriptor`), read from the manifest blob the store keeps for every image.
 * The store holds one platform per image and no index, so an image's target is its one manifest, and
 * that manifest is its one entry in `Manifests`.
 */
import { MediaTypes, type Descriptor } from '../protocol/oci/image';
import type { ImageContext } from './image-context';
import { keptBlobDescriptor } from './layer-content';
import type { ImageManifestView, ImageRecord } from './types';

/** mediaType and size of a manifest blob, read once per digest. */
async function manifestTarget(ctx: ImageContext, digest: string): Promise<{ mediaType: string; size: number } | undefined> {
  const known = ctx.manifestTargets.get(digest);
  if (known) return known;
  if (!(await ctx.blobs.has(digest))) return undefined;
  const bytes = await ctx.blobs.read(digest);
  // Docker's schema 2 manifests name their media type; an OCI manifest may leave it out
  const mediaType = (JSON.parse(bytes.toString('utf8')) as { mediaType?: string }).mediaType ?? MediaTypes.ociManifest;
  const t = { mediaType, size: bytes.length };
  ctx.manifestTargets.set(digest, t);
  return t;
}

function platformOf(rec: ImageRecord): NonNullable<Descriptor['platform']> {
  const c = rec.config;
  return { architecture: c.architecture, os: c.os, ...(c.variant ? { variant: c.variant } : {}) };
}

/** The platform-specific manifest of an image (a container's ImageManifestDescriptor); undefined when its blob is gone. */
export async function manifestDescriptor(ctx: ImageContext, rec: ImageRecord): Promise<Descriptor | undefined> {
  const t = await manifestTarget(ctx, rec.manifestDigest);
  return t && { mediaType: t.mediaType, digest: rec.manifestDigest, size: t.size, platform: platformOf(rec) };
}

/** The image's target (API 1.48 Descriptor): its manifest, whose platform the descriptor leaves to the manifest list. */
export async function imageTarget(ctx: ImageContext, rec: ImageRecord): Promise<Descriptor | undefined> {
  const d = await manifestDescriptor(ctx, rec);
  if (!d) return undefined;
  const { platform: _inTheList, ...target } = d;
  return target;
}

/** The image's manifests (API 1.47 Manifests); empty when the manifest blob is gone. */
export async function imageManifests(ctx: ImageContext, rec: ImageRecord): Promise<ImageManifestView[]> {
  const descriptor = await manifestDescriptor(ctx, rec);
  if (!descriptor) return [];
  // content: the blobs this manifest reaches that the blob store holds (manifest, config, each layer's kept blob)
  const blobs: Array<{ digest: string; size: number }> = [{ digest: rec.manifestDigest, size: descriptor.size }, { digest: rec.id, size: await ctx.blobs.size(rec.id).catch(() => 0) }];
  for (const chainId of rec.chainIds) {
    const layer = ctx.layers.get(chainId);
    blobs.push(layer ? await keptBlobDescriptor(ctx.blobs, layer) : { digest: chainId, size: 0 });
  }
  const present = await Promise.all(blobs.map((b) => ctx.blobs.has(b.digest)));
  return [
    {
      id: rec.manifestDigest,
      descriptor,
      available: present.every(Boolean),
      kind: 'image',
      contentSize: blobs.reduce((n, b, i) => n + (present[i] ? b.size : 0), 0),
      unpackedSize: rec.size,
      platform: descriptor.platform!,
      containers: ctx.usage(rec.id),
    },
  ];
}

/**
 * What pull and push need from the local image store, declared here by the
 * consumer (architecture §2 "ports belong to the consumer"). store-ports.ts
 * implements both over the image engineer's stores.
 */
import type { Readable } from 'node:stream';

export interface PulledImage {
  /** familiar name, "127.0.0.1:5000/rec/img", "busybox" */
  name: string;
  /** tag to point at the image; absent for pulls by digest */
  tag?: string;
  /** digest the user pulled (the index's when there was one): recorded as "name@digest" */
  repoDigest: string;
  configDigest: string;
  configBytes: Buffer;
  /** the platform manifest as received (kept byte-exact so a push can reproduce it) */
  manifestBytes: Buffer;
  chainIds: string[];
}

/** A layer blob as a manifest describes it. */
export interface BlobDescriptor {
  digest: string;
  mediaType: string;
  size: number;
}

export interface ImageIngest {
  /** the layer is unpacked and its blob kept (save and push need it) */
  hasLayer(chainId: string): Promise<boolean>;
  /** Unpacks a layer's download out of sight while keeping the downloaded bytes as its blob; see StagedPullLayer. */
  stageLayer(src: Readable, opts: { blob: BlobDescriptor; signal?: AbortSignal; lowerDirs?: () => Promise<string[]>; knownDiffId?: string }): Promise<StagedPullLayer>;
  /** overlay lower dirs of a committed chain, top-most first */
  lowerDirsOf(chainId: string): string[];
  /** Undo for a failed pull: drops layers this pull added that no image uses. */
  dropLayers(chainIds: string[]): Promise<void>;
  /** Stores config + manifest, the record, tag and repo digest. `upToDate`: the reference already named this image. */
  registerPulledImage(img: PulledImage): Promise<{ id: string; upToDate: boolean }>;
}

export interface StagedPullLayer {
  diffId: string;
  size: number;
  /** visible on top of the (committed) parent; pinned until the image is registered or the pull undone */
  commit(parentChainId: string | null): Promise<{ chainId: string; diffId: string; size: number }>;
  discard(): Promise<void>;
}

export interface PushableLayer {
  diffId: string;
  /** the compressed blob kept locally (the layer was pulled): uploaded as it is */
  blob?: BlobDescriptor;
}

export interface PushableImage {
  id: string;
  configBytes: Buffer;
  layers: PushableLayer[];
  /** the manifest stored with the image, if any (pulled, or written by the store) */
  manifestBytes?: Buffer;
}

export interface ImageSource {
  /** "name:tag" → the image; NotFound with Docker's "An image does not exist locally with the tag: x" */
  resolveForPush(familiarTagged: string): Promise<PushableImage>;
  /** the uncompressed layer tar (to be compressed for upload) */
  openLayer(diffId: string): Promise<Readable>;
  /** a kept compressed blob (PushableLayer.blob) */
  openBlob(digest: string): Readable;
  /** after a push: "name@digest" points at the image */
  recordRepoDigest(name: string, digest: string, imageId: string): Promise<void>;
}

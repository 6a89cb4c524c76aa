/**
 * The image service contract: what the rest of the engine may ask of images.
 * Images arrive through one store API whether imported, loaded, pulled or built.
 */
import type { Platform } from './distribution/platform';
import type { Readable, Writable } from 'node:stream';
import type { Descriptor, ImageConfigConfig, ImageConfigFile } from '../protocol/oci/image';
import type { LoginResult } from './distribution/auth';
import type { ProgressSink } from './distribution/progress';
import type { PullResult } from './distribution/pull';
import type { PushResult } from './distribution/push';
import type { AuthConfig } from './distribution/registry-client';
import type { ScanReport } from '../sbom/osv';
import type { VerifiedSignature } from './distribution/signatures';
import type { LayerView } from '../layer/merged-lookup';

export type { AuthConfig, LoginResult, ProgressSink, PullResult, PushResult };

export interface ImagePullOptions {
  auth?: AuthConfig;
  /** "linux/arm64/v8"; default: the host's */
  platform?: string;
  signal?: AbortSignal;
  onProgress: ProgressSink;
}

export interface ImagePushOptions {
  auth?: AuthConfig;
  signal?: AbortSignal;
  onProgress: ProgressSink;
}

export interface ImageRecord {
  /** "sha256:<hex>" — the digest of the config blob */
  id: string;
  repoTags: string[]; // "name:tag" in Docker's familiar form ("busybox:latest", "127.0.0.1:5000/a/b:1")
  repoDigests: string[];
  /** the parsed config blob */
  config: ImageConfigFile;
  /** digest of the manifest this image was stored with (OCI manifest written by the store) */
  manifestDigest: string;
  /** total size of the unpacked layers, in bytes */
  size: number;
  /** when the record was created locally (ISO) */
  created: string;
  /** chain ids of the layers, bottom first */
  chainIds: string[];
  /** the image this one was committed or built on (Docker's Parent); absent for pulled, loaded, imported */
  parent?: string;
}

export interface ImageSummaryView {
  id: string;
  parentId: string;
  repoTags: string[];
  repoDigests: string[];
  created: number; // unix seconds (from config.created)
  size: number;
  labels: Record<string, string>;
  containers: number;
  /** with `sharedSize`: bytes of this image's layers that other images use too */
  sharedSize?: number;
  /** with `descriptors`: the image's target (absent when its manifest blob is gone) */
  descriptor?: Descriptor;
  /** with `manifests` */
  manifests?: ImageManifestView[];
}

/** One manifest of an image (API 1.47 ImageManifestSummary; this store keeps image manifests only). */
export interface ImageManifestView {
  /** the manifest's digest */
  id: string;
  /** the manifest, with its platform */
  descriptor: Descriptor;
  /** config and every layer blob are in the blob store */
  available: boolean;
  kind: 'image';
  /** bytes of the blobs it reaches that the store holds */
  contentSize: number;
  /** bytes of its unpacked layers */
  unpackedSize: number;
  platform: NonNullable<Descriptor['platform']>;
  /** ids of the containers using the image */
  containers: string[];
}

/** An image's target (API 1.48 Descriptor) and its manifests. */
export interface ImageManifests {
  descriptor?: Descriptor;
  manifests: ImageManifestView[];
}

export interface ImageHistoryView {
  id: string; // "<missing>" for all but the top entry
  created: number;
  createdBy: string;
  tags: string[];
  size: number;
  comment: string;
}

export interface ImageDeleteItem {
  untagged?: string;
  deleted?: string;
}

export interface ImportOptions {
  repo?: string; // "name" or "name:tag"
  tag?: string;
  changes?: string[]; // Dockerfile instructions: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, WORKDIR, VOLUME, STOPSIGNAL
  message?: string;
  platform?: string;
  signal?: AbortSignal;
}

/** A new image on top of `baseId` (none: from scratch): commit and build steps. */
export interface CommitImageOptions {
  baseId?: string;
  /** the step's changes as an uncompressed layer tar; absent: a metadata-only step (empty_layer history) */
  layer?: Readable;
  /** instead of `layer`: the changes already unpacked (a build step's upper dir), and their tar for the blob */
  adopt?: AdoptableLayer;
  /** the runtime config of the new image (Cmd, Env, …), complete */
  config: ImageConfigConfig;
  /** history's created_by */
  createdBy: string;
  comment?: string;
  author?: string;
  /** the container committed, recorded as the config's "container" */
  containerId?: string;
  tags?: string[];
  /** image event to publish ("commit"); builds publish none per step */
  event?: string;
  signal?: AbortSignal;
}

/**
 * A directory in the layer store's own form (whiteouts as 0/0 devices, opaque marks as xattrs) that
 * becomes the layer as it is, where unpacking its tar would only write the same files again.
 */
export interface AdoptableLayer {
  /** the layer's tar, read off the directory: written as the blob (its sha256 is the diffId) before the directory moves */
  tar: Readable;
  /** called once the tar is written: the directory, ready to move (nothing else holds or writes it any more) */
  takeDir: () => Promise<string>;
  /** bytes of regular file content */
  size: number;
  /** directories marked opaque, relative */
  opaque: string[];
}

export interface ImageListOptions {
  all?: boolean;
  /** compute each image's sharedSize */
  sharedSize?: boolean;
  /** read each image's target descriptor */
  descriptors?: boolean;
  /** read each image's manifests */
  manifests?: boolean;
  /** Docker filters: reference, label, dangling, before, since */
  filters?: Record<string, string[]>;
}

/** API 1.48/1.49 `platform`: the store holds one platform per image; another is refused in dockerd's words. */
export interface PlatformOption {
  platform?: Platform;
}

export interface LoadOptions extends PlatformOption {
  signal?: AbortSignal;
}

export interface ImageService {
  /** A rootfs tarball (optionally gzip) → a one-layer image. */
  importRootfs(tar: Readable, opts: ImportOptions): Promise<ImageRecord>;
  /** docker-save and OCI-layout archives; returns Docker's "Loaded image: x" / "Loaded image ID: sha256:..." lines. */
  load(tar: Readable, opts?: LoadOptions): Promise<string[]>;
  /** Writes a docker-save archive (with OCI index.json and oci-layout too, as Docker 25+ does). */
  save(refs: string[], out: Writable, opts?: PlatformOption): Promise<void>;
  list(opts?: ImageListOptions): Promise<ImageSummaryView[]>;
  /** name, name:tag, name@digest, full or short id → record; throws NotFoundError("No such image: x") */
  resolve(ref: string, opts?: PlatformOption): Promise<ImageRecord>;
  tag(ref: string, repo: string, tag?: string): Promise<void>;
  /** isInUse(imageId) → ids of containers using it (refuse unless force) */
  remove(ref: string, opts: { force?: boolean; noprune?: boolean }): Promise<ImageDeleteItem[]>;
  history(ref: string, opts?: PlatformOption): Promise<ImageHistoryView[]>;
  /** The image's target descriptor and manifests, read from its manifest blob; undefined when the image is gone. */
  manifests(imageId: string): Promise<ImageManifests | undefined>;
  /** The platform-specific manifest an image id names (a container's ImageManifestDescriptor); undefined when gone. */
  manifestDescriptor(imageId: string): Promise<Descriptor | undefined>;
  /** Overlay lower directories for an image, top-most layer first (as overlayfs' lowerdir wants). */
  layerDirs(imageId: string): Promise<string[]>;
  /** The layers as a reader of their diff dirs needs them, top-most first; undefined when a layer's record predates its opaque list. */
  layerViews(imageId: string): Promise<LayerView[] | undefined>;
  /** Bytes of the layers the images use, each counted once (system df's LayersSize). */
  layersSize(): number;
  /** Remove dangling (or, with dangling=false, all unused) images. */
  prune(opts: { dangling: boolean; filters?: Record<string, string[]> }): Promise<{ deleted: ImageDeleteItem[]; spaceReclaimed: number }>;
  /** "name[:tag]" or "name@digest" from its registry; errors in Docker's words ("manifest for x not found: …") */
  pull(ref: string, opts: ImagePullOptions): Promise<PullResult>;
  /** "name[:tag]" to its registry */
  push(ref: string, opts: ImagePushOptions): Promise<PushResult>;
  /** Checks credentials against a registry (POST /auth); Unauthorized-style failure in Docker's words. */
  login(auth: AuthConfig, signal?: AbortSignal): Promise<LoginResult>;
  /** A new image from a base image, a layer and a config (commit, build). */
  commit(opts: CommitImageOptions): Promise<ImageRecord>;
  /** Signs the image's manifest at its registry with a PEM private key (cosign's simple signing, `.sig` tag). */
  sign(ref: string, privateKeyPem: string, auth?: AuthConfig): Promise<{ digest: string; signatureTag: string }>;
  /** Verifies the image at its registry: a signature by one of the PEM public keys, or ForbiddenError. */
  verify(ref: string, publicKeysPem: string[], auth?: AuthConfig): Promise<VerifiedSignature>;
  /** Refuses (ForbiddenError) an image the signature policy covers that was not pulled with a verified signature. */
  assertRunnable(image: ImageRecord): void;
  /** The image's packages as an SPDX 2.3 or CycloneDX 1.5 document ("spdx-json" | "cyclonedx-json"). */
  sbom(ref: string, format: string): Promise<Record<string, unknown>>;
  /** The image's packages matched against an OSV advisory file's text. */
  scan(ref: string, advisories: string): Promise<ScanReport>;
}

/** Supplied by the engine so rmi can refuse images used by containers. */
export type ImageUsage = (imageId: string) => string[];

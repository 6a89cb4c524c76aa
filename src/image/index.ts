/**
 * The image service: one store API through which images arrive (import, load,
 * later pull and build) and leave (rmi, prune, save). Each operation lives in
 * its own file; this class only binds the shared context. Opening it runs
 * boot repair (temp blobs, half-unpacked layers, layers no image uses).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { KeyedMutex } from '../base/async';
import type { EventBus } from '../base/events';
import type { Logger } from '../base/logger';
import { LayerStore } from '../layer/layer-store';
import type { LayerView } from '../layer/merged-lookup';
import { BlobStore } from './content/blob-store';
import { login, type LoginResult } from './distribution/auth';
import { BlobSources } from './distribution/blob-sources';
import type { EndpointOptions } from './distribution/endpoint';
import { parsePlatform } from './distribution/platform';
import { pullImage, type PullResult } from './distribution/pull';
import { pushImage, type PushResult } from './distribution/push';
import { type AuthConfig, RegistryClient } from './distribution/registry-client';
import { createStoreIngest, createStoreSource } from './distribution/store-ports';
import { imageHistory } from './history';
import type { ImageContext } from './image-context';
import { ImageStore } from './image-store';
import { importRootfs } from './import';
import { commitImage } from './commit';
import { listImages } from './list';
import { imageManifests, imageTarget, manifestDescriptor } from './manifests';
import type { Descriptor } from '../protocol/oci/image';
import { familiarName, familiarTagged, parseReference } from './reference';
import { InvalidArgumentError, NotFoundError } from '../base/errors';
import { parsePublicKey, signImage, verifyImage, type VerifiedSignature } from './distribution/signatures';
import { TrustPolicy } from './trust-policy';
import { removeUnusedContent } from './layer-content';
import { loadArchive } from './load';
import { pruneImages } from './prune';
import { removeImage } from './remove';
import { saveImages } from './save';
import { imageSbom, scanImage } from './sbom';
import type { ScanReport } from '../sbom/osv';
import { tagImage } from './tag';
import type { CommitImageOptions, ImageDeleteItem, ImageHistoryView, ImageListOptions, ImageManifests, ImagePullOptions, ImagePushOptions, ImageRecord, ImageService, ImageSummaryView, ImageUsage, ImportOptions, LoadOptions, PlatformOption } from './types';
import { assertExportPlatform, assertImagePlatform } from './platform';

export interface ImageServiceOptions {
  dataRoot: string;
  logger: Logger;
  events: EventBus;
  usage: ImageUsage;
  /** path of build/native/berth-fs (default: the repository build) */
  fsTool?: string;
  /** insecure registries and docker.io mirrors (daemon flags) */
  registry?: EndpointOptions;
  /** the signature policy file (daemon's --signature-policy) */
  signaturePolicy?: string;
}

/** What pull/push share across calls: one registry client (token cache) and the blob-source memory. */
export interface DistributionDeps {
  client: RegistryClient;
  blobSources: BlobSources;
  trust: TrustPolicy;
}

/** Record and tag changes run one at a time; unpacking layers runs outside this lock. */
const STORE = 'store';

export class Images implements ImageService {
  private readonly lock = new KeyedMutex();
  constructor(
    private readonly ctx: ImageContext,
    private readonly dist: DistributionDeps,
  ) {}

  importRootfs(tar: Readable, opts: ImportOptions): Promise<ImageRecord> {
    return importRootfs(this.ctx, tar, opts);
  }

  commit(opts: CommitImageOptions): Promise<ImageRecord> {
    return commitImage(this.ctx, opts);
  }

  load(tar: Readable, opts?: LoadOptions): Promise<string[]> {
    return loadArchive(this.ctx, tar, opts);
  }

  async save(refs: string[], out: Writable, opts: PlatformOption = {}): Promise<void> {
    // a bare repository name saves every tag (saveImages resolves it); only names that resolve alone are checked here
    if (opts.platform) {
      const named = refs.flatMap((r) => {
        try {
          return [this.ctx.store.resolve(r)];
        } catch {
          return [];
        }
      });
      assertExportPlatform(named, opts.platform);
    }
    return saveImages(this.ctx, refs, out);
  }

  async list(opts: ImageListOptions = {}): Promise<ImageSummaryView[]> {
    return listImages(this.ctx, opts);
  }

  async resolve(ref: string, opts: PlatformOption = {}): Promise<ImageRecord> {
    const rec = this.ctx.store.resolve(ref);
    assertImagePlatform(rec, ref, opts.platform);
    return structuredClone(rec);
  }

  tag(ref: string, repo: string, tag?: string): Promise<void> {
    return this.lock.run(STORE, () => tagImage(this.ctx, ref, repo, tag));
  }

  remove(ref: string, opts: { force?: boolean; noprune?: boolean }): Promise<ImageDeleteItem[]> {
    return this.lock.run(STORE, () => removeImage(this.ctx, ref, opts));
  }

  async history(ref: string, opts: PlatformOption = {}): Promise<ImageHistoryView[]> {
    assertImagePlatform(this.ctx.store.resolve(ref), ref, opts.platform);
    return imageHistory(this.ctx, ref);
  }

  async manifests(imageId: string): Promise<ImageManifests | undefined> {
    const rec = this.ctx.store.get(imageId);
    if (!rec) return undefined;
    const descriptor = await imageTarget(this.ctx, rec);
    return { ...(descriptor ? { descriptor } : {}), manifests: await imageManifests(this.ctx, rec) };
  }

  async manifestDescriptor(imageId: string): Promise<Descriptor | undefined> {
    const rec = this.ctx.store.get(imageId);
    return rec && manifestDescriptor(this.ctx, rec);
  }

  async layerDirs(imageId: string): Promise<string[]> {
    return this.ctx.layers.lowerDirs(this.ctx.store.resolve(imageId).chainIds);
  }

  async layerViews(imageId: string): Promise<LayerView[] | undefined> {
    const chain = this.ctx.store.resolve(imageId).chainIds;
    const views: LayerView[] = [];
    for (const c of [...chain].reverse()) {
      const opaque = this.ctx.layers.get(c)?.opaque;
      if (!opaque) return undefined;
      views.push({ dir: this.ctx.layers.diffDir(c), opaque: new Set(opaque) });
    }
    return views;
  }

  layersSize(): number {
    const chains = new Set(this.ctx.store.all().flatMap((r) => r.chainIds));
    let total = 0;
    for (const c of chains) total += this.ctx.layers.get(c)?.size ?? 0;
    return total;
  }

  prune(opts: { dangling: boolean; filters?: Record<string, string[]> }): Promise<{ deleted: ImageDeleteItem[]; spaceReclaimed: number }> {
    return this.lock.run(STORE, () => pruneImages(this.ctx, opts));
  }

  // Pull and push run outside the store lock (they take minutes); pinned layers and registerImage's own lock keep them safe.
  async pull(ref: string, opts: ImagePullOptions): Promise<PullResult> {
    const { platform, ...rest } = opts;
    const deps = { client: this.dist.client, ingest: createStoreIngest(this.ctx), blobSources: this.dist.blobSources };
    const parsed = parseReference(ref);
    const pullOpts = { ...rest, ...(platform ? { platform: parsePlatform(platform) } : {}) };
    const rule = this.dist.trust.scopeFor(parsed);
    if (!rule) return pullImage(deps, parsed, pullOpts);
    // the policy covers it: verify first, then pull exactly the digest that verified (a tag may move meanwhile)
    const { digest } = await verifyImage(this.dist.client, parsed, rule.keys, opts.auth);
    const result = await pullImage(deps, { ...parsed, digest }, pullOpts);
    await this.dist.trust.markVerified(result.id, digest, rule.scope);
    if (parsed.digest) return result;
    const tag = parsed.tag ?? 'latest';
    await this.tag(result.id, familiarName(parsed), tag);
    return { ...result, reference: `${familiarName(parsed)}:${tag}` };
  }

  /** Signs the image's manifest at its registry with a PEM private key (cosign's simple signing). */
  sign(ref: string, privateKeyPem: string, auth?: AuthConfig): Promise<{ digest: string; signatureTag: string }> {
    return signImage(this.dist.client, parseReference(ref), privateKeyPem, auth);
  }

  /** Verifies the image at its registry against PEM public keys. */
  verify(ref: string, publicKeysPem: string[], auth?: AuthConfig): Promise<VerifiedSignature> {
    if (!publicKeysPem.length) throw new InvalidArgumentError('verify needs at least one public key');
    return verifyImage(this.dist.client, parseReference(ref), publicKeysPem.map(parsePublicKey), auth);
  }

  assertRunnable(image: ImageRecord): void {
    this.dist.trust.assertRunnable(image);
  }

  /** A reference without a tag pushes every local tag of the repository, as Docker's API does
   * (`docker push --all-tags`, dockerode's push of a bare name). Returns the last tag's result. */
  async push(ref: string, opts: ImagePushOptions): Promise<PushResult> {
    const deps = { client: this.dist.client, source: createStoreSource(this.ctx), blobSources: this.dist.blobSources, tempPath: () => this.ctx.blobs.tempPath() };
    const parsed = parseReference(ref);
    const pushOne = async (r: typeof parsed) => {
      const out = await pushImage(deps, r, opts);
      // dockerd: id is the pushed reference, name its repository
      this.ctx.events.publish({ type: 'image', action: 'push', id: r.digest ? `${familiarName(r)}@${r.digest}` : familiarTagged(r), attributes: { name: familiarName(r) } });
      return out;
    };
    if (parsed.tag || parsed.digest) return pushOne(parsed);
    const repo = familiarName(parsed);
    const tags = this.ctx.store.all().flatMap((img) => img.repoTags).filter((t) => t.slice(0, t.lastIndexOf(':')) === repo).map((t) => t.slice(t.lastIndexOf(':') + 1)).sort();
    if (!tags.length) throw new NotFoundError('image', repo, `An image does not exist locally with the tag: ${repo}`);
    let last: PushResult | undefined;
    for (const tag of tags) last = await pushOne({ ...parsed, tag });
    return last!;
  }

  sbom(ref: string, format: string): Promise<Record<string, unknown>> {
    return imageSbom(this.ctx, ref, format);
  }

  scan(ref: string, advisories: string): Promise<ScanReport> {
    return scanImage(this.ctx, ref, advisories);
  }

  login(auth: AuthConfig, signal?: AbortSignal): Promise<LoginResult> {
    return login(this.dist.client, auth.serverAddress ?? '', auth.username ?? '', auth.password ?? '', signal ? { signal } : {});
  }
}

export async function createImageService(opts: ImageServiceOptions): Promise<Images> {
  const imageRoot = path.join(opts.dataRoot, 'image');
  const blobs = new BlobStore(imageRoot);
  await blobs.init();
  const store = new ImageStore(imageRoot);
  await store.init();
  const layers = await LayerStore.open(opts.dataRoot, { logger: opts.logger.child({ module: 'layer' }), fsTool: opts.fsTool });
  // reference counts are derived from the records, never persisted, so they cannot drift after a crash
  for (const img of store.all()) layers.retain(img.chainIds);
  const orphans = await layers.removeUnreferenced();
  // a pull killed between committing layers and registering its image leaves such layers, and their blobs
  await removeUnusedContent({ blobs, layers }, orphans);
  if (orphans.length) opts.logger.info({ layers: orphans.map((l) => l.chainId) }, 'boot repair: removed layers no image uses');
  const distDir = path.join(imageRoot, 'distribution');
  await fs.mkdir(distDir, { recursive: true });
  const trust = await TrustPolicy.open(opts.signaturePolicy, imageRoot);
  const dist = { client: new RegistryClient(opts.registry ?? {}), blobSources: new BlobSources(path.join(distDir, 'blob-sources.json')), trust };
  return new Images({ blobs, layers, store, events: opts.events, logger: opts.logger, usage: opts.usage, registerLock: new KeyedMutex(), manifestTargets: new Map() }, dist);
}

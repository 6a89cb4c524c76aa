/**
 * `docker pull`: tag → manifest (index → platform manifest), config, then the
 * layers: downloaded in parallel (3 at a time) into temp files while sha256
 * and size are checked, then unpacked in chain order. A layer reaches the
 * store only after its digest verified; a failed or aborted pull removes the
 * layers it added and registers nothing.
 */
import { runLimited } from '../../base/async';
import { createHash } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BerthError, InvalidArgumentError, NotFoundError, NotImplementedError } from '../../base/errors';
import { chainIdsOf } from '../../layer/layer-store';
import { type Descriptor, type ImageConfigFile, type ImageIndex, type ImageManifest, MediaTypes } from '../../protocol/oci/image';
import { DEFAULT_TAG, familiarName, type ImageReference } from '../reference';
import { registryEndpoints } from './endpoint';
import type { ImageIngest } from './image-ports';
import { layerCompression } from './layer-media-type';
import { hostPlatform, type Platform, selectManifest } from './platform';
import { shortId, type ProgressSink } from './progress';
import { type AuthConfig, type FetchedManifest, type RegistryClient, RegistryResponseError, type RepositoryClient } from './registry-client';
import type { BlobSources } from './blob-sources';

export interface PullDeps {
  client: RegistryClient;
  ingest: ImageIngest;
  /** optional: remembers where blobs came from, for push mounts */
  blobSources?: BlobSources;
}

export interface PullOptions {
  auth?: AuthConfig;
  platform?: Platform;
  signal?: AbortSignal;
  onProgress: ProgressSink;
  /** parallel layer downloads (Docker's default is 3) */
  maxConcurrentDownloads?: number;
}

export interface PullResult {
  id: string;
  /** the digest pulled (the index's, when the tag named one) */
  digest: string;
  /** "127.0.0.1:5000/rec/img:1" or "busybox@sha256:…" */
  reference: string;
  upToDate: boolean;
}

const INDEX_TYPES: string[] = [MediaTypes.ociIndex, MediaTypes.dockerManifestList];
const MANIFEST_TYPES: string[] = [MediaTypes.ociManifest, MediaTypes.dockerManifest];

/** Registry errors in the words Docker uses for pulls. */
export function translatePullError(e: unknown, ref: ImageReference): unknown {
  if (!(e instanceof RegistryResponseError)) return e;
  const name = familiarName(ref);
  const shown = ref.digest ? `${name}@${ref.digest}` : `${name}:${ref.tag ?? DEFAULT_TAG}`;
  if (e.hasCode('MANIFEST_UNKNOWN')) return new NotFoundError('manifest', shown, `manifest for ${shown} not found: ${e.message}`);
  if (e.hasCode('NAME_UNKNOWN')) return new NotFoundError('repository', name, `repository ${name} not found: ${e.message}`);
  if (e.hasCode('DENIED') || e.status === 401 || e.status === 403) {
    return new NotFoundError('repository', name, `pull access denied for ${name}, repository does not exist or may require 'docker login': ${e.message}`);
  }
  if (e.status === 404) return new NotFoundError('manifest', shown, `manifest for ${shown} not found: manifest unknown: manifest unknown`);
  return e;
}

function parseJson<T>(bytes: Buffer, what: string): T {
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch {
    throw new InvalidArgumentError(`invalid ${what}: not JSON`, 'MANIFEST_INVALID');
  }
}


/** Resolves the reference at the first endpoint (mirrors first) that has it. */
async function resolveManifest(deps: PullDeps, ref: ImageReference, opts: PullOptions): Promise<{ repo: RepositoryClient; top: FetchedManifest }> {
  const endpoints = registryEndpoints(ref.domain, deps.client.options, false);
  let lastErr: unknown;
  for (const ep of endpoints) {
    const repo = deps.client.repository(ep, ref.path, { ...(opts.auth ? { auth: opts.auth } : {}), actions: ['pull'] });
    try {
      const top = await repo.getManifest(ref.digest ?? ref.tag ?? DEFAULT_TAG, opts.signal);
      return { repo, top };
    } catch (e) {
      lastErr = e;
      // a mirror that fails is skipped (as Docker does); the registry itself is final
      if (!ep.mirror || opts.signal?.aborted) break;
    }
  }
  throw translatePullError(lastErr, ref);
}

export async function pullImage(deps: PullDeps, ref: ImageReference, opts: PullOptions): Promise<PullResult> {
  const progress = opts.onProgress;
  const signal = opts.signal;
  const tagOrDigest = ref.digest ?? ref.tag ?? DEFAULT_TAG;
  const name = familiarName(ref);
  const { repo, top } = await resolveManifest(deps, ref, opts);
  progress({ type: 'status', status: `Pulling from ${ref.path}`, id: tagOrDigest });

  let manifestBytes = top.bytes;
  let manifestType = top.mediaType;
  if (INDEX_TYPES.includes(top.mediaType)) {
    const index = parseJson<ImageIndex>(top.bytes, 'manifest list');
    const chosen: Descriptor = selectManifest(index.manifests ?? [], opts.platform ?? hostPlatform());
    const m = await repo.getManifest(chosen.digest, signal).catch((e: unknown) => {
      throw translatePullError(e, ref);
    });
    manifestBytes = m.bytes;
    manifestType = m.mediaType;
  }
  if (!MANIFEST_TYPES.includes(manifestType)) {
    throw new NotImplementedError(`unsupported manifest media type ${manifestType}`, 'MANIFEST_MEDIA_TYPE_UNSUPPORTED');
  }
  const manifest = parseJson<ImageManifest>(manifestBytes, 'manifest');
  if (!manifest.config?.digest || !Array.isArray(manifest.layers)) throw new InvalidArgumentError('invalid manifest: no config or layers', 'MANIFEST_INVALID');
  for (const l of manifest.layers) layerCompression(l.mediaType);

  const configBytes = await repo.getBlobBytes(manifest.config.digest, signal);
  const config = parseJson<ImageConfigFile>(configBytes, 'image config');
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== manifest.layers.length) {
    throw new InvalidArgumentError(`invalid image: ${manifest.layers.length} layers in the manifest but ${diffIds.length} diff ids in the config`, 'MANIFEST_INVALID');
  }
  const chains = chainIdsOf(diffIds);
  const present = await Promise.all(chains.map((c, i) => deps.ingest.hasLayer(c, diffIds[i]!)));

  // Download phase: each missing layer to a verified temp file.
  const files = new Map<number, string>();
  const waiters = new Map<number, { resolve: () => void; reject: (e: unknown) => void; done: Promise<void> }>();
  const added: string[] = [];
  const limit = opts.maxConcurrentDownloads ?? 3;
  const missing: number[] = [];
  manifest.layers.forEach((l, i) => {
    if (present[i]) progress({ type: 'layer', id: shortId(l.digest), status: 'Already exists' });
    else {
      missing.push(i);
      progress({ type: 'layer', id: shortId(l.digest), status: 'Pulling fs layer' });
    }
  });
  missing.slice(limit).forEach((i) => progress({ type: 'layer', id: shortId(manifest.layers[i]!.digest), status: 'Waiting' }));
  for (const i of missing) {
    let resolve!: () => void;
    let reject!: (e: unknown) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    done.catch(() => undefined); // observed by the extract phase; avoid an unhandled rejection meanwhile
    waiters.set(i, { resolve, reject, done });
  }

  const inner = new AbortController();
  const onAbort = () => inner.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();
  try {
    const downloads = runLimited(
      missing.map((i) => async () => {
        try {
          const file = deps.ingest.tempPath();
          files.set(i, file);
          await downloadLayer(repo, manifest.layers[i]!, file, inner.signal, progress);
          waiters.get(i)!.resolve();
        } catch (e) {
          waiters.get(i)!.reject(e);
          inner.abort(e);
          throw e;
        }
      }),
      limit,
    );
    downloads.catch(() => undefined);

    // Extract phase, in chain order, each layer as soon as its file verified.
    for (let i = 0; i < manifest.layers.length; i++) {
      if (present[i]) continue;
      const d = manifest.layers[i]!;
      await waiters.get(i)!.done;
      inner.signal.throwIfAborted();
      progress({ type: 'layer', id: shortId(d.digest), status: 'Extracting', current: d.size, total: d.size });
      const rec = await deps.ingest.ingestLayer(files.get(i)!, i === 0 ? null : chains[i - 1]!, diffIds[i]!, inner.signal);
      if (rec.chainId !== chains[i]) throw new InvalidArgumentError(`layer ${d.digest}: unexpected chain id ${rec.chainId}`, 'DIFFID_MISMATCH');
      added.push(rec.chainId);
      await fs.rm(files.get(i)!, { force: true });
      progress({ type: 'layer', id: shortId(d.digest), status: 'Pull complete' });
    }
    await downloads;
    inner.signal.throwIfAborted();

    const repoDigest = top.digest;
    const registered = await deps.ingest.registerPulledImage({
      name,
      ...(ref.digest ? {} : { tag: ref.tag ?? DEFAULT_TAG }),
      repoDigest,
      configDigest: manifest.config.digest,
      configBytes,
      manifestBytes,
      chainIds: chains,
    });
    if (deps.blobSources) {
      for (let i = 0; i < manifest.layers.length; i++) {
        const l = manifest.layers[i]!;
        await deps.blobSources.add(diffIds[i]!, { digest: l.digest, mediaType: l.mediaType, size: l.size }, `${ref.domain}/${ref.path}`);
      }
    }
    const shown = ref.digest ? `${name}@${ref.digest}` : `${name}:${ref.tag ?? DEFAULT_TAG}`;
    progress({ type: 'status', status: `Digest: ${repoDigest}` });
    progress({ type: 'status', status: registered.upToDate ? `Status: Image is up to date for ${shown}` : `Status: Downloaded newer image for ${shown}` });
    return { id: registered.id, digest: repoDigest, reference: shown, upToDate: registered.upToDate };
  } catch (e) {
    inner.abort(e);
    await deps.ingest.dropLayers([...added].reverse()).catch(() => undefined); // best effort: a boot repair removes unreferenced layers too
    throw signal?.aborted && !(e instanceof BerthError) ? (signal.reason ?? e) : e;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await Promise.all([...files.values()].map((f) => fs.rm(f, { force: true })));
  }
}

/** Streams one blob to `file`, hashing as it goes; throws (and leaves no file) unless digest and size match. */
async function downloadLayer(repo: RepositoryClient, d: Descriptor, file: string, signal: AbortSignal, progress: ProgressSink): Promise<void> {
  const id = shortId(d.digest);
  const { stream } = await repo.getBlob(d.digest, signal);
  const hash = createHash('sha256');
  let size = 0;
  let lastReport = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _e, cb) {
      hash.update(chunk);
      size += chunk.length;
      if (size > d.size) return cb(new InvalidArgumentError(`filesystem layer verification failed for digest ${d.digest}: more data than the ${d.size} bytes declared`, 'SIZE_MISMATCH'));
      const now = Date.now();
      if (now - lastReport >= 100 || size === d.size) {
        lastReport = now;
        progress({ type: 'layer', id, status: 'Downloading', current: size, total: d.size });
      }
      cb(null, chunk);
    },
  });
  try {
    await pipeline(stream, meter, createWriteStream(file), { signal });
    progress({ type: 'layer', id, status: 'Verifying Checksum' });
    const got = `sha256:${hash.digest('hex')}`;
    if (got !== d.digest || size !== d.size) {
      throw new InvalidArgumentError(`filesystem layer verification failed for digest ${d.digest}`, 'DIGEST_MISMATCH');
    }
    progress({ type: 'layer', id, status: 'Download complete' });
  } catch (e) {
    stream.destroy();
    await fs.rm(file, { force: true });
    throw e;
  }
}

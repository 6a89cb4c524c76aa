/**
 * `docker pull`: tag → manifest (index → platform manifest), config, then the
 * layers: each streamed (3 at a time) from the registry through sha256 into
 * the store, which keeps the compressed bytes as the blob while it
 * decompresses and unpacks them into a staging dir, then committed in chain
 * order. A layer becomes visible only after its digest and
 * diffId verified; a failed or aborted pull removes the staged and committed
 * layers it made and registers nothing.
 */
import { runLimited } from '../../base/async';
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BerthError, InvalidArgumentError, NotFoundError, NotImplementedError } from '../../base/errors';
import { chainIdsOf } from '../../layer/layer-store';
import { type Descriptor, type ImageConfigFile, type ImageIndex, type ImageManifest, MediaTypes } from '../../protocol/oci/image';
import { DEFAULT_TAG, familiarName, type ImageReference } from '../reference';
import { registryEndpoints } from './endpoint';
import type { ImageIngest, StagedPullLayer } from './image-ports';
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
  /** parallel layer downloads (default 4; Docker downloads 3 at a time but unpacks one by one, here each also unpacks) */
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
  const present = await Promise.all(chains.map((c) => deps.ingest.hasLayer(c)));

  const added: string[] = [];
  const limit = opts.maxConcurrentDownloads ?? 4;
  const missing: number[] = [];
  manifest.layers.forEach((l, i) => {
    if (present[i]) progress({ type: 'layer', id: shortId(l.digest), status: 'Already exists' });
    else {
      missing.push(i);
      progress({ type: 'layer', id: shortId(l.digest), status: 'Pulling fs layer' });
    }
  });
  missing.slice(limit).forEach((i) => progress({ type: 'layer', id: shortId(manifest.layers[i]!.digest), status: 'Waiting' }));

  const inner = new AbortController();
  const onAbort = () => inner.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();
  const aborted = new Promise<never>((_, reject) => inner.signal.addEventListener('abort', () => reject(inner.signal.reason), { once: true }));
  aborted.catch(() => undefined);
  // committed[i]: layer i is visible (present, or pulled and committed); a child's cross-layer hard link may wait for it
  const committed = chains.map((_, i) => deferred<void>(present[i]));
  const staged = new Map(missing.map((i) => [i, deferred<StagedPullLayer>()]));
  const uncommitted = new Set<StagedPullLayer>();
  const lowerDirsFor = async (i: number): Promise<string[]> => {
    if (i === 0) return [];
    await Promise.race([committed[i - 1]!.promise, aborted]);
    return deps.ingest.lowerDirsOf(chains[i - 1]!);
  };

  let downloads: Promise<unknown> = Promise.resolve();
  try {
    // Each missing layer streams download → sha256 → decompress → unpack into a staging dir, side by side.
    downloads = runLimited(
      missing.map((i) => async () => {
        try {
          const st = await streamLayer(deps, repo, manifest.layers[i]!, () => lowerDirsFor(i), inner.signal, progress);
          uncommitted.add(st);
          staged.get(i)!.resolve(st);
        } catch (e) {
          staged.get(i)!.reject(e);
          inner.abort(e);
          throw e;
        }
      }),
      limit,
    );
    downloads.catch(() => undefined);

    // Commit in chain order, each layer once its digests verified (a parent must be visible before its child).
    for (let i = 0; i < manifest.layers.length; i++) {
      if (present[i]) continue;
      const d = manifest.layers[i]!;
      const st = await staged.get(i)!.promise;
      inner.signal.throwIfAborted();
      progress({ type: 'layer', id: shortId(d.digest), status: 'Extracting', current: d.size, total: d.size });
      if (st.diffId !== diffIds[i]) throw new InvalidArgumentError(`layer ${d.digest}: diff id ${st.diffId} does not match the image config's ${diffIds[i]}`, 'DIFFID_MISMATCH');
      uncommitted.delete(st);
      const rec = await st.commit(i === 0 ? null : chains[i - 1]!);
      added.push(rec.chainId);
      if (rec.chainId !== chains[i]) throw new InvalidArgumentError(`layer ${d.digest}: unexpected chain id ${rec.chainId}`, 'DIFFID_MISMATCH');
      committed[i]!.resolve();
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
    await downloads.catch(() => undefined); // no stage may still be writing when its leftovers go
    await deps.ingest.dropLayers([...added].reverse()).catch(() => undefined); // best effort: a boot repair removes unreferenced layers too
    throw signal?.aborted && !(e instanceof BerthError) ? (signal.reason ?? e) : e;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await Promise.all([...uncommitted].map((st) => st.discard()));
  }
}

function deferred<T>(resolved = false): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined); // observed by whoever awaits it; no unhandled rejection meanwhile
  if (resolved) resolve(undefined as T);
  return { promise, resolve, reject };
}

/**
 * One layer in one pass: the response stream is hashed and metered on its way
 * into the store, which keeps the bytes as the layer's blob while it
 * decompresses, computes the diffId (unless the bytes are the plain tar
 * already hashed here) and unpacks into a staging dir. Throws, leaving
 * nothing, unless digest and size match.
 */
async function streamLayer(deps: PullDeps, repo: RepositoryClient, d: Descriptor, lowerDirs: () => Promise<string[]>, signal: AbortSignal, progress: ProgressSink): Promise<StagedPullLayer> {
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
  const piped = pipeline(stream, meter, { signal });
  piped.catch(() => undefined); // surfaces through the unpack reading `meter`, or below
  const verificationFailed = () => new InvalidArgumentError(`filesystem layer verification failed for digest ${d.digest}`, 'DIGEST_MISMATCH');
  let st: StagedPullLayer;
  try {
    const knownDiffId = layerCompression(d.mediaType) === 'none' ? d.digest : undefined;
    st = await deps.ingest.stageLayer(meter, { blob: { digest: d.digest, mediaType: d.mediaType, size: d.size }, signal, lowerDirs, ...(knownDiffId ? { knownDiffId } : {}) });
  } catch (e) {
    // Corrupt bytes usually break the decompressor before the end; the digest says whether the
    // download was at fault (Docker's message) or the layer itself.
    if (!signal.aborted) {
      if (!meter.destroyed) meter.resume(); // drain what the unpack left unread into the hash
      if ((await piped.then(() => true, () => false)) && `sha256:${hash.digest('hex')}` !== d.digest) throw verificationFailed();
    }
    stream.destroy();
    throw e;
  }
  try {
    await piped; // every byte went through the hash
    progress({ type: 'layer', id, status: 'Verifying Checksum' });
    if (`sha256:${hash.digest('hex')}` !== d.digest || size !== d.size) throw verificationFailed();
  } catch (e) {
    await st.discard();
    throw e;
  }
  progress({ type: 'layer', id, status: 'Download complete' });
  return st;
}

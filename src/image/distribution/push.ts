/**
 * `docker push`: every layer is skipped when the registry has it ("Layer
 * already exists"), mounted from another repository it is known in
 * ("Mounted from x"), uploaded as the compressed blob it was pulled as, or
 * gzip-compressed to a temp file and uploaded; then
 * the config and the manifest. When every layer ends up as the blob the
 * stored manifest names, that manifest is pushed byte-exact (same digest).
 */
import { runLimited } from '../../base/async';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { InvalidArgumentError } from '../../base/errors';
import { type Descriptor, type ImageManifest, MediaTypes } from '../../protocol/oci/image';
import { DEFAULT_TAG, familiarName, type ImageReference } from '../reference';
import type { BlobSources } from './blob-sources';
import { registryEndpoints } from './endpoint';
import type { BlobDescriptor, ImageSource } from './image-ports';
import { layerCompression } from './layer-media-type';
import { shortId, type ProgressSink } from './progress';
import { type AuthConfig, type RegistryClient, RegistryResponseError, type RepositoryClient, sha256Digest } from './registry-client';

export interface PushDeps {
  client: RegistryClient;
  source: ImageSource;
  blobSources: BlobSources;
  /** where compressed layers are staged before upload */
  tempPath(): string;
}

export interface PushOptions {
  auth?: AuthConfig;
  signal?: AbortSignal;
  onProgress: ProgressSink;
  maxConcurrentUploads?: number;
}

export interface PushResult {
  tag: string;
  digest: string;
  size: number;
}

/** Registry errors in the words Docker uses for pushes. */
function translatePushError(e: unknown): unknown {
  if (e instanceof RegistryResponseError && (e.status === 401 || e.status === 403 || e.hasCode('DENIED'))) {
    return new RegistryResponseError(e.status, [{ code: 'DENIED', message: 'requested access to the resource is denied' }], '');
  }
  return e;
}


export async function pushImage(deps: PushDeps, ref: ImageReference, opts: PushOptions): Promise<PushResult> {
  const tag = ref.tag ?? DEFAULT_TAG;
  if (ref.digest) throw new InvalidArgumentError('cannot push a digest reference', 'PUSH_BY_DIGEST');
  const name = familiarName(ref);
  const progress = opts.onProgress;
  const signal = opts.signal;
  const img = await deps.source.resolveForPush(`${name}:${tag}`);
  progress({ type: 'status', status: `The push refers to repository [${ref.domain}/${ref.path}]` });
  const endpoint = registryEndpoints(ref.domain, deps.client.options, true)[0]!;
  const repo = deps.client.repository(endpoint, ref.path, { ...(opts.auth ? { auth: opts.auth } : {}), actions: ['pull', 'push'] });
  const here = `${ref.domain}/${ref.path}`;

  const stored = img.manifestBytes ? (JSON.parse(img.manifestBytes.toString('utf8')) as ImageManifest) : undefined;
  const docker = stored?.mediaType === MediaTypes.dockerManifest;
  const layers: Descriptor[] = new Array<Descriptor>(img.layers.length);
  for (const l of img.layers) progress({ type: 'layer', id: shortId(l.diffId), status: 'Preparing' });

  try {
    await repo.ping(signal);
    await runLimited(
      img.layers.map(({ diffId, blob }, i) => async () => {
        const id = shortId(diffId);
        const known = await deps.blobSources.lookup(diffId);
        const original = stored?.layers[i];
        // the stored manifest's own blob first, so an unchanged image keeps its digest
        if (original && !known.some((k) => k.digest === original.digest)) known.unshift({ digest: original.digest, mediaType: original.mediaType, size: original.size, repos: [] });
        else if (original) known.sort((a, b) => Number(b.digest === original.digest) - Number(a.digest === original.digest));
        for (const k of known) {
          if ((await repo.headBlob(k.digest, signal)) !== undefined) {
            layers[i] = { mediaType: k.mediaType, digest: k.digest, size: k.size };
            progress({ type: 'layer', id, status: 'Layer already exists' });
            await deps.blobSources.add(diffId, k, here);
            return;
          }
        }
        for (const k of known) {
          for (const from of k.repos) {
            if (from === here || !from.startsWith(`${ref.domain}/`)) continue;
            const fromPath = from.slice(ref.domain.length + 1);
            if (await repo.mountBlob(k.digest, fromPath, signal).catch(() => false)) {
              layers[i] = { mediaType: k.mediaType, digest: k.digest, size: k.size };
              progress({ type: 'layer', id, status: `Mounted from ${fromPath}` });
              await deps.blobSources.add(diffId, k, here);
              return;
            }
          }
        }
        const desc = blob ? await uploadKeptBlob(deps, repo, diffId, blob, docker, signal, progress) : await uploadLayer(deps, repo, diffId, docker, signal, progress);
        layers[i] = desc;
        await deps.blobSources.add(diffId, desc, here);
        progress({ type: 'layer', id, status: 'Pushed' });
      }),
      opts.maxConcurrentUploads ?? 5,
    );

    const configDigest = img.id;
    if (sha256Digest(img.configBytes) !== configDigest) throw new InvalidArgumentError(`stored config of ${img.id} does not match its digest`, 'CONFIG_CORRUPT');
    if ((await repo.headBlob(configDigest, signal)) === undefined) await repo.uploadBlob(configDigest, img.configBytes.length, img.configBytes, signal);

    let manifestBytes: Buffer;
    let mediaType: string;
    const unchanged = stored && stored.config.digest === configDigest && stored.layers.length === layers.length && stored.layers.every((l, i) => l.digest === layers[i]!.digest);
    if (unchanged && img.manifestBytes) {
      manifestBytes = img.manifestBytes;
      mediaType = stored.mediaType ?? MediaTypes.ociManifest;
    } else {
      mediaType = docker ? MediaTypes.dockerManifest : MediaTypes.ociManifest;
      const m: ImageManifest = {
        schemaVersion: 2,
        mediaType,
        config: { mediaType: docker ? MediaTypes.dockerConfig : MediaTypes.ociConfig, digest: configDigest, size: img.configBytes.length },
        layers,
      };
      manifestBytes = Buffer.from(JSON.stringify(m, null, 3));
    }
    const digest = await repo.putManifest(tag, manifestBytes, mediaType, signal);
    await deps.source.recordRepoDigest(name, digest, img.id);
    progress({ type: 'status', status: `${tag}: digest: ${digest} size: ${manifestBytes.length}` });
    progress({ type: 'aux', aux: { Tag: tag, Digest: digest, Size: manifestBytes.length } });
    return { tag, digest, size: manifestBytes.length };
  } catch (e) {
    throw translatePushError(e);
  }
}

/** Counts an upload body's bytes into "Pushing" progress. */
function pushCounter(id: string, size: number, progress: ProgressSink): Transform {
  let sent = 0;
  let last = 0;
  return new Transform({
    transform(chunk: Buffer, _e, cb) {
      sent += chunk.length;
      const now = Date.now();
      if (now - last >= 100 || sent === size) {
        last = now;
        progress({ type: 'layer', id, status: 'Pushing', current: sent, total: size });
      }
      cb(null, chunk);
    },
  });
}

/** A pulled layer goes up as the very blob it came as: no recompression, and its digest stays the one manifests name. */
async function uploadKeptBlob(deps: PushDeps, repo: RepositoryClient, diffId: string, blob: BlobDescriptor, docker: boolean, signal: AbortSignal | undefined, progress: ProgressSink): Promise<Descriptor> {
  const compression = layerCompression(blob.mediaType);
  const mediaType = compression === 'zstd' ? MediaTypes.ociLayerZstd : docker ? MediaTypes.dockerLayer : MediaTypes.ociLayerGzip;
  if ((await repo.headBlob(blob.digest, signal)) === undefined) {
    const id = shortId(diffId);
    await repo.uploadBlob(blob.digest, blob.size, () => deps.source.openBlob(blob.digest).pipe(pushCounter(id, blob.size, progress)), signal);
  }
  return { mediaType, digest: blob.digest, size: blob.size };
}

/** gzip the layer into a temp file (digest and size must be known before the PUT), then upload it. */
async function uploadLayer(deps: PushDeps, repo: RepositoryClient, diffId: string, docker: boolean, signal: AbortSignal | undefined, progress: ProgressSink): Promise<Descriptor> {
  const id = shortId(diffId);
  const file = deps.tempPath();
  try {
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _e, cb) {
        hash.update(chunk);
        size += chunk.length;
        cb(null, chunk);
      },
    });
    await pipeline(await deps.source.openLayer(diffId), createGzip(), meter, createWriteStream(file), ...(signal ? [{ signal }] : []));
    const digest = `sha256:${hash.digest('hex')}`;
    const mediaType = docker ? MediaTypes.dockerLayer : MediaTypes.ociLayerGzip;
    if ((await repo.headBlob(digest, signal)) === undefined) {
      await repo.uploadBlob(digest, size, () => createReadStream(file).pipe(pushCounter(id, size, progress)), signal);
    }
    return { mediaType, digest, size };
  } finally {
    await fs.rm(file, { force: true });
  }
}

/**
 * Builds an OCI image layout (image-spec "layout") of a one-layer busybox image
 * on the machine: gzip layer from test/kit/busybox.ts, config, manifest,
 * index.json, oci-layout. What skopeo/umoci read as `oci:<dir>:<tag>`.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { makeBusyboxTar } from '../../../kit/busybox.js';
import { MediaTypes, type ImageConfigFile, type ImageIndex, type ImageManifest } from '../../../../src/protocol/oci/image.js';

export interface OciLayoutImage {
  dir: string;
  manifestDigest: string;
  configDigest: string;
  layerDigest: string;
  manifest: ImageManifest;
}

export function sha256(data: Buffer | string): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

async function writeBlob(dir: string, data: Buffer): Promise<string> {
  const digest = sha256(data);
  await fs.writeFile(path.join(dir, 'blobs', 'sha256', digest.slice(7)), data);
  return digest;
}

function ociArch(): string {
  return ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[process.arch] ?? process.arch;
}

export async function makeBusyboxOciLayout(dir: string, tag = 'latest'): Promise<OciLayoutImage> {
  await fs.mkdir(path.join(dir, 'blobs', 'sha256'), { recursive: true });
  const tarFile = path.join(dir, '..', `${path.basename(dir)}-rootfs.tar`);
  await makeBusyboxTar(tarFile);
  const tar = await fs.readFile(tarFile);
  await fs.rm(tarFile, { force: true });
  const layer = gzipSync(tar);
  const layerDigest = await writeBlob(dir, layer);
  const config: ImageConfigFile = {
    created: '2024-01-01T00:00:00Z',
    architecture: ociArch(),
    os: 'linux',
    config: { Cmd: ['/bin/sh'], Env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'] },
    rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
    history: [{ created: '2024-01-01T00:00:00Z', created_by: 'berth test kit' }],
  };
  const configBytes = Buffer.from(JSON.stringify(config));
  const configDigest = await writeBlob(dir, configBytes);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    config: { mediaType: MediaTypes.ociConfig, digest: configDigest, size: configBytes.length },
    layers: [{ mediaType: MediaTypes.ociLayerGzip, digest: layerDigest, size: layer.length }],
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const manifestDigest = await writeBlob(dir, manifestBytes);
  const index: ImageIndex = {
    schemaVersion: 2,
    mediaType: MediaTypes.ociIndex,
    manifests: [{ mediaType: MediaTypes.ociManifest, digest: manifestDigest, size: manifestBytes.length, annotations: { 'org.opencontainers.image.ref.name': tag } }],
  };
  await fs.writeFile(path.join(dir, 'index.json'), JSON.stringify(index));
  await fs.writeFile(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  return { dir, manifestDigest, configDigest, layerDigest, manifest };
}

/** Reads index.json of a layout and returns the manifest descriptor tagged `tag`. */
export async function readLayoutManifest(dir: string, tag: string): Promise<{ digest: string; manifest: ImageManifest }> {
  const index = JSON.parse(await fs.readFile(path.join(dir, 'index.json'), 'utf8')) as ImageIndex;
  const d = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag);
  if (!d) throw new Error(`no manifest tagged ${tag} in ${dir}`);
  const manifest = JSON.parse(await fs.readFile(path.join(dir, 'blobs', 'sha256', d.digest.slice(7)), 'utf8')) as ImageManifest;
  return { digest: d.digest, manifest };
}

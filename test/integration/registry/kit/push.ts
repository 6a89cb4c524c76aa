/** Pushes blobs and manifests over raw HTTP, for protocol tests that need exact control. */
import assert from 'node:assert/strict';
import { MediaTypes, type ImageManifest } from '../../../../src/protocol/oci/image.js';
import { sha256 } from './oci-layout.js';
import { request } from './registry-fixture.js';

export async function pushBlob(url: string, repo: string, data: Buffer | string): Promise<string> {
  const digest = sha256(data);
  const r = await request(url, { method: 'POST', path: `/v2/${repo}/blobs/uploads/?digest=${digest}`, body: data, headers: { 'Content-Type': 'application/octet-stream' } });
  assert.equal(r.status, 201, r.body.toString());
  return digest;
}

/** Pushes a config + one layer + manifest; returns the manifest's digest and bytes. */
export async function pushImage(url: string, repo: string, tag: string, opts: { layer?: string; extra?: Record<string, unknown> } = {}): Promise<{ digest: string; body: Buffer; config: string; layer: string }> {
  const config = await pushBlob(url, repo, JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
  const layerData = opts.layer ?? `layer of ${repo}:${tag}`;
  const layer = await pushBlob(url, repo, layerData);
  const manifest: ImageManifest & Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    config: { mediaType: MediaTypes.ociConfig, digest: config, size: Buffer.byteLength(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } })) },
    layers: [{ mediaType: MediaTypes.ociLayerGzip, digest: layer, size: Buffer.byteLength(layerData) }],
    ...opts.extra,
  };
  const body = Buffer.from(JSON.stringify(manifest));
  const r = await request(url, { method: 'PUT', path: `/v2/${repo}/manifests/${tag}`, body, headers: { 'Content-Type': MediaTypes.ociManifest } });
  assert.equal(r.status, 201, r.body.toString());
  assert.equal(r.headers['docker-content-digest'], sha256(body));
  return { digest: sha256(body), body, config, layer };
}

export function errorCode(r: { json<T>(): T }): string | undefined {
  return r.json<{ errors: { code: string }[] }>().errors[0]?.code;
}

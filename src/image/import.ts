/** `docker import`: a rootfs tarball (plain or gzip) becomes a one-layer image. */
import * as os from 'node:os';
import type { Readable } from 'node:stream';
import type { ImageConfigFile } from '../protocol/oci/image';
import { applyChanges } from './changes';
import { type ImageContext, publishImageEvent, registerImage } from './image-context';
import { ingestLayer } from './layer-ingest';
import { normalizeTag } from './reference';
import { InvalidArgumentError } from '../base/errors';
import { parsePlatform } from './distribution/platform';
import type { ImageRecord, ImportOptions } from './types';

const GO_ARCH: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

/** The host's architecture in Go's naming, as Docker records it. */
export function hostArchitecture(): string {
  return GO_ARCH[os.arch()] || os.arch();
}

/** "linux/arm64" → "arm64"; no platform → the host's. Another OS is refused, as dockerd's graphdriver store does. */
export function platformArch(platform: string | undefined): string {
  if (!platform) return hostArchitecture();
  const p = parsePlatform(platform);
  if (p.os !== 'linux') throw new InvalidArgumentError('operating system is not supported', 'UNSUPPORTED_OS');
  return p.architecture || hostArchitecture();
}

export function importTag(opts: ImportOptions): string | undefined {
  if (!opts.repo) return undefined;
  return normalizeTag(opts.tag ? `${opts.repo}:${opts.tag}` : opts.repo);
}

export async function importRootfs(ctx: ImageContext, tar: Readable, opts: ImportOptions): Promise<ImageRecord> {
  // validate everything before reading a byte
  const tag = importTag(opts);
  const changed = applyChanges({}, opts.changes ?? []);
  const arch = platformArch(opts.platform);
  const layer = await ingestLayer(ctx, tar, null, undefined, opts.signal, { pin: true });
  let rec: ImageRecord;
  try {
    const now = new Date().toISOString();
    const config: ImageConfigFile = {
      architecture: arch,
      os: 'linux',
      created: now,
      config: changed,
      rootfs: { type: 'layers', diff_ids: [layer.diffId] },
      // as dockerd: the message, or where it came from, is the image's Comment and its history entry's
      comment: opts.message || 'Imported from -',
      history: [{ created: now, created_by: '', comment: opts.message || 'Imported from -' }],
    };
    rec = (await registerImage(ctx, Buffer.from(JSON.stringify(config)), [layer], tag ? [tag] : [])).record;
  } finally {
    ctx.layers.unpin(layer.chainId);
  }
  publishImageEvent(ctx, 'import', rec.id, tag);
  return rec;
}

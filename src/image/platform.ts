/**
 * An image's platform, and the `platform` option of inspect, history, save and load (API 1.48/1.49):
 * the store keeps one platform per image, so a request for another is answered as dockerd's
 * graphdriver store answers it. Pure.
 */
import { InternalError, NotFoundError } from '../base/errors';
import { formatPlatform, matchPlatform, normalizePlatform, type Platform } from './distribution/platform';
import type { ImageConfigFile } from '../protocol/oci/image';
import type { ImageRecord } from './types';

export function configPlatform(c: Pick<ImageConfigFile, 'os' | 'architecture' | 'variant'>): Platform {
  return normalizePlatform({ os: c.os || 'linux', architecture: c.architecture || '', ...(c.variant ? { variant: c.variant } : {}) });
}

export function imagePlatform(rec: ImageRecord): Platform {
  return configPlatform(rec.config);
}

/** containerd's rules: arm v7 also takes v6 and v5 images, arm64 = arm64/v8. */
export function configMatchesPlatform(c: Pick<ImageConfigFile, 'os' | 'architecture' | 'variant'>, wanted: Platform): boolean {
  return matchPlatform([{ mediaType: '', digest: '', size: 0, platform: configPlatform(c) }], wanted) !== undefined;
}

export function imageMatchesPlatform(rec: ImageRecord, wanted: Platform): boolean {
  return configMatchesPlatform(rec.config, wanted);
}

/** inspect/history: the image exists, but not for that platform (dockerd: 404). */
export function assertImagePlatform(rec: ImageRecord, name: string, wanted: Platform | undefined): void {
  if (!wanted || imageMatchesPlatform(rec, wanted)) return;
  const msg = `image with reference ${name} was found but its platform (${formatPlatform(imagePlatform(rec))}) does not match the specified platform (${formatPlatform(normalizePlatform(wanted))})`;
  throw new NotFoundError('image', name, msg);
}

/** save: nothing to export for that platform (dockerd: 500, before any byte of the archive). */
export function assertExportPlatform(recs: ImageRecord[], wanted: Platform | undefined): void {
  if (!wanted) return;
  for (const r of recs) {
    if (!imageMatchesPlatform(r, wanted)) throw new InternalError(`no suitable export target found for platform ${formatPlatform(normalizePlatform(wanted))}`, 'NO_EXPORT_TARGET');
  }
}

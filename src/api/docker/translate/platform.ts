/** The JSON-encoded OCI platform of API 1.48+ `platform` query parameters → core Platform, with dockerd's 400s. Pure. */
import { InvalidArgumentError } from '../../../base/errors';
import type { Platform } from '../../../image/distribution/platform';

export function decodePlatformQuery(v: string | undefined): Platform | undefined {
  if (!v) return undefined;
  let p: { os?: unknown; architecture?: unknown; variant?: unknown; 'os.version'?: unknown; 'os.features'?: unknown };
  try {
    p = JSON.parse(v) as typeof p;
  } catch (e) {
    throw new InvalidArgumentError(`failed to parse platform: ${(e as Error).message}`, 'INVALID_PLATFORM');
  }
  if (!p || typeof p !== 'object' || Array.isArray(p)) throw new InvalidArgumentError('failed to parse platform: expected a JSON object', 'INVALID_PLATFORM');
  const str = (x: unknown): string => (typeof x === 'string' ? x : '');
  const os = str(p.os);
  const architecture = str(p.architecture);
  const variant = str(p.variant);
  const optional = variant !== '' || str(p['os.version']) !== '' || (Array.isArray(p['os.features']) && p['os.features'].length > 0);
  if (!os && !architecture && optional) throw new InvalidArgumentError('optional platform fields provided, but OS and Architecture are missing', 'INVALID_PLATFORM');
  if (!os || !architecture) throw new InvalidArgumentError('both OS and Architecture must be provided', 'INVALID_PLATFORM');
  return variant ? { os, architecture, variant } : { os, architecture };
}

/**
 * The optional `/vX.Y` path prefix. Clients pick a version at or below ours
 * (CLI, docker-py) or send none (dockerode, testcontainers); anything outside
 * [min, max] is refused with dockerd's wording.
 */
import { InvalidArgumentError } from '../../base/errors';

export interface VersionedPath {
  /** the version the client asked for, or the server's own when unprefixed */
  version: string;
  /** the path without the prefix */
  path: string;
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

export function splitVersionPrefix(path: string, max: string, min: string): VersionedPath {
  const m = /^\/v(\d+(?:\.\d+)*)(\/.*)?$/.exec(path);
  if (!m) return { version: max, path };
  const version = m[1]!;
  if (compareVersions(version, max) > 0) {
    throw new InvalidArgumentError(`client version ${version} is too new. Maximum supported API version is ${max}`, 'API_VERSION_TOO_NEW');
  }
  if (compareVersions(version, min) < 0) {
    throw new InvalidArgumentError(
      `client version ${version} is too old. Minimum supported API version is ${min}, please upgrade your client to a newer version`,
      'API_VERSION_TOO_OLD',
    );
  }
  return { version, path: m[2] ?? '/' };
}

/** True when the request's API version is `v` or newer (per-version behaviour, as dockerd's versions.GreaterThanOrEqualTo). */
export function apiAtLeast(version: string, v: string): boolean {
  return compareVersions(version, v) >= 0;
}

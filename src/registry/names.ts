/**
 * Validation of the path parameters the spec constrains: repository names,
 * tags and digests. Anything that fails here never reaches the filesystem,
 * which is what keeps `..` and other path tricks out of storage paths.
 */
import { DistributionError } from './errors.js';

// The spec's <name> grammar, anchored; components never start with '_' or '.',
// so storage can use '_'-prefixed directory names for its own bookkeeping.
const NAME_RE = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$/;
const TAG_RE = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
// Only sha256 and sha512 are stored; the hex length is checked per algorithm.
const DIGEST_RE = /^(sha256|sha512):([a-f0-9]+)$/;
const HEX_LENGTH: Record<string, number> = { sha256: 64, sha512: 128 };

/** Longest name accepted (the spec's note on 255-character client limits). */
export const MAX_NAME_LENGTH = 255;

export function isValidRepoName(name: string): boolean {
  return name.length <= MAX_NAME_LENGTH && NAME_RE.test(name);
}

export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

export interface ParsedDigest {
  algorithm: 'sha256' | 'sha512';
  hex: string;
  digest: string;
}

export function parseDigest(s: string): ParsedDigest | undefined {
  const m = DIGEST_RE.exec(s);
  if (!m) return undefined;
  const algorithm = m[1] as 'sha256' | 'sha512';
  const hex = m[2]!;
  if (hex.length !== HEX_LENGTH[algorithm]) return undefined;
  return { algorithm, hex, digest: s };
}

export function isDigest(s: string): boolean {
  return parseDigest(s) !== undefined;
}

/** Throws NAME_INVALID (400) unless `name` matches the spec grammar. */
export function assertRepoName(name: string): string {
  if (!isValidRepoName(name)) throw new DistributionError(400, 'NAME_INVALID', { detail: { name } });
  return name;
}

/** Throws DIGEST_INVALID (400) for malformed or unsupported digests. */
export function assertDigest(s: string): ParsedDigest {
  const d = parseDigest(s);
  if (!d) throw new DistributionError(400, 'DIGEST_INVALID', { message: 'invalid digest', detail: { digest: s } });
  return d;
}

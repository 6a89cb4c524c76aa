/**
 * Pure path rules for unpacking layer tarballs: entry names become clean
 * relative paths, and nothing may climb out of the target directory.
 */
import * as path from 'node:path';
import { InvalidArgumentError } from '../base/errors';

/**
 * "./a//b/" → "a/b", "/etc/passwd" → "etc/passwd" (absolute names are made
 * relative, as tar does), "." → "" (the layer root). Any ".." is refused:
 * even "a/../b" stays inside, but a tarball that needs it is not trusted.
 */
export function normalizeEntryPath(name: string): string {
  if (name.includes('\0')) throw unsafeEntry(name, 'contains a NUL byte');
  const parts: string[] = [];
  for (const p of name.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') throw unsafeEntry(name, 'has a ".." component');
    parts.push(p);
  }
  return parts.join('/');
}

/** The absolute path of a clean relative entry path under `root`; re-checks containment. */
export function resolveInside(root: string, rel: string): string {
  const abs = path.resolve(root, rel);
  if (!isInside(root, abs)) throw unsafeEntry(rel, 'resolves outside the layer');
  return abs;
}

export function isInside(root: string, abs: string): boolean {
  const r = path.resolve(root);
  const a = path.resolve(abs);
  return a === r || a.startsWith(r.endsWith('/') ? r : r + '/');
}

/** Parent prefixes of a clean relative path, outermost first: "a/b/c" → ["a", "a/b"]. */
export function parentPrefixes(rel: string): string[] {
  const parts = rel.split('/').filter(Boolean);
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join('/'));
  return out;
}

/** Whiteout classification of a clean relative path (OCI image-spec layer rules). */
export type WhiteoutKind = { kind: 'opaque'; dir: string } | { kind: 'file'; target: string } | { kind: 'none' } | { kind: 'ignored' };

export function classifyWhiteout(rel: string): WhiteoutKind {
  const base = path.posix.basename(rel);
  if (!base.startsWith('.wh.')) return { kind: 'none' };
  const dir = path.posix.dirname(rel) === '.' ? '' : path.posix.dirname(rel);
  if (base === '.wh..wh..opq') return { kind: 'opaque', dir };
  // other ".wh..wh." names are aufs bookkeeping (plnk, aufs) with no meaning for overlay
  if (base.startsWith('.wh..wh.')) return { kind: 'ignored' };
  const name = base.slice('.wh.'.length);
  if (!name || name === '.' || name === '..') throw unsafeEntry(rel, 'is an invalid whiteout');
  return { kind: 'file', target: dir ? `${dir}/${name}` : name };
}

export function unsafeEntry(name: string, why: string): InvalidArgumentError {
  return new InvalidArgumentError(`invalid tar entry "${name}": ${why}`, 'UNSAFE_LAYER_ENTRY');
}

/**
 * What an image's merged filesystem holds at a path, read off its layers' diff dirs
 * without mounting them: the lookup overlayfs itself does (top-most layer first, a
 * whiteout ends it, an opaque directory hides the layers below). A build step that
 * only adds files (COPY, WORKDIR) needs no more than this, and a mount costs two
 * processes. Opaque marks are xattrs, which Node cannot read: they come from the layer
 * records (written at unpack), so a layer without that record makes the lookup unusable.
 */
import { promises as fs, type Stats } from 'node:fs';
import * as path from 'node:path';

export interface LayerView {
  /** the layer's diff dir */
  dir: string;
  /** directories it marks opaque, relative ("" for its root) */
  opaque: ReadonlySet<string>;
}

export type MergedEntry =
  /** nothing there (never was, or whited out) */
  | { kind: 'absent' }
  /** the top-most entry at the path, unfollowed, and where that layer keeps it */
  | { kind: 'entry'; stat: Stats; hostPath: string }
  /** a parent on the way is no directory (a symlink to follow, or a file): the caller must resolve it some other way */
  | { kind: 'blocked'; at: string };

function isWhiteout(st: Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

async function lstatOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    return await fs.lstat(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw e;
  }
}

/** `rel`: a clean relative path ("app/bin"), not the root. `layers`: top-most first. */
export async function lookupMerged(layers: readonly LayerView[], rel: string): Promise<MergedEntry> {
  const parts = rel.split('/').filter((p) => p && p !== '.');
  if (!parts.length || parts.includes('..')) throw new Error(`lookupMerged: not a relative path below the root: ${rel}`);
  for (const layer of layers) {
    // the root's own opaque mark hides every layer below for every path
    let hidesBelow = layer.opaque.has('');
    for (let i = 1; i <= parts.length; i++) {
      const pre = parts.slice(0, i).join('/');
      const hostPath = path.join(layer.dir, pre);
      const st = await lstatOrUndefined(hostPath);
      if (!st) break;
      if (isWhiteout(st)) return { kind: 'absent' };
      if (i === parts.length) return { kind: 'entry', stat: st, hostPath };
      if (!st.isDirectory()) return { kind: 'blocked', at: pre };
      if (layer.opaque.has(pre)) hidesBelow = true;
    }
    if (hidesBelow) return { kind: 'absent' };
  }
  return { kind: 'absent' };
}

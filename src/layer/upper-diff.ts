/**
 * A container's changes, read off its overlay upper directory: the layer that
 * `docker commit` and each build step store, and the list `docker diff` shows.
 * overlayfs records a deletion as a 0/0 character device and a directory that
 * hides what is below it with trusted.overlay.opaque (user.overlay.opaque in rootless mode); an image layer says the
 * same with `.wh.<name>` and `.wh..wh..opq` entries (OCI image spec, "whiteouts").
 */
import { lstatSync, promises as fs, readdirSync, type Stats } from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import type * as tar from 'tar-stream';
import { packTree, type EntryAdjustment } from '../platform/tar-tree';
import { readXattrs } from './berth-fs';
import { overlayXattrPrefix } from '../platform/rootless';


export interface UpperScan {
  /** relative paths ("etc/hosts") left out: mount points the runtime made, not the container's changes */
  excluded: Set<string>;
  /** every other entry, parents before children, in name order */
  entries: Array<{ rel: string; whiteout: boolean; dir: boolean }>;
  /** bytes of regular file content in those entries */
  size: number;
}

function isWhiteout(st: Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

/**
 * Walks the upper dir. `mountPoints` are the container's mount destinations ("/etc/hosts",
 * "/proc", volumes): an empty file or directory there, and a directory that holds nothing but
 * such, was made by the runtime to mount on, as Docker's init layer does, and is no change.
 */
export async function scanUpper(upper: string, mountPoints: string[]): Promise<UpperScan> {
  const dests = new Set(mountPoints.map((m) => path.posix.normalize(m).replace(/^\/+/, '')).filter(Boolean));
  const ancestors = new Set<string>();
  for (const d of dests) for (let p = path.posix.dirname(d); p !== '.'; p = path.posix.dirname(p)) ancestors.add(p);
  const excluded = new Set<string>();
  const entries: UpperScan['entries'] = [];
  let size = 0;
  // returns whether `rel` is excluded, so a parent can tell it held nothing else
  const walk = async (rel: string): Promise<boolean> => {
    // sync: an upper dir is local, and a round trip per entry through the thread pool costs more than the call
    const st = lstatSync(path.join(upper, rel));
    const whiteout = isWhiteout(st);
    const dir = st.isDirectory();
    const at = entries.length;
    if (!whiteout) entries.push({ rel, whiteout, dir });
    else entries.push({ rel, whiteout, dir: false });
    let allExcluded = true;
    let children = 0;
    if (dir) {
      for (const name of readdirSync(path.join(upper, rel)).sort()) {
        children++;
        if (!(await walk(rel ? `${rel}/${name}` : name))) allExcluded = false;
      }
    }
    const emptyMountPoint = dests.has(rel) && (dir ? children === 0 : st.isFile() && st.size === 0);
    const onlyMountPoints = dir && children > 0 && allExcluded && ancestors.has(rel);
    if (rel && (emptyMountPoint || onlyMountPoints)) {
      excluded.add(rel);
      entries.splice(at, 1);
      return true;
    }
    if (st.isFile()) size += st.size;
    return false;
  };
  await walk('');
  entries.shift(); // the upper dir itself
  return { excluded, entries, size };
}

/**
 * The upper dir as an uncompressed layer tar; the same changes give the same bytes (and diffID).
 * `ids` turns host owners into the container's (a user-namespaced container's upper dir holds host IDs).
 */
export async function packUpper(upper: string, scan: UpperScan, ids?: (uid: number, gid: number) => [number, number], xattrs?: UpperXattrs): Promise<Readable> {
  xattrs ??= await readXattrs(upper);
  const epoch = new Date(0);
  return packTree({
    local: true,
    // "opt/", as dockerd's layer tars (Go's archive/tar) name directories
    dirSlash: true,
    hostPathOf: (p) => path.join(upper, p),
    adjust(treePath: string, st: Stats, header: tar.Headers): EntryAdjustment | undefined {
      const rel = treePath.replace(/^\/+/, '');
      if (!rel) return { skip: true };
      if (scan.excluded.has(rel)) return { skip: true };
      if (isWhiteout(st)) {
        const name = path.posix.join(path.posix.dirname(rel), `.wh.${path.posix.basename(rel)}`);
        return { replace: { name, type: 'file', size: 0, mode: 0o600, uid: 0, gid: 0, mtime: epoch } };
      }
      if (ids) [header.uid, header.gid] = ids(st.uid, st.gid);
      const attrs = xattrs.get(rel);
      const out: EntryAdjustment = {};
      if (attrs) {
        const pax: Record<string, string> = {};
        for (const [k, v] of attrs) {
          // tar-stream writes pax values as UTF-8 text: a binary value (file capabilities) cannot pass
          if (!k.startsWith(overlayXattrPrefix()) && Buffer.from(v.toString('utf8'), 'utf8').equals(v)) pax[`SCHILY.xattr.${k}`] = v.toString('utf8');
        }
        if (Object.keys(pax).length) out.pax = pax;
        if (st.isDirectory() && attrs.get(`${overlayXattrPrefix()}opaque`)?.toString() === 'y') {
          out.after = [{ name: `${header.name.replace(/\/$/, '')}/.wh..wh..opq`, type: 'file', size: 0, mode: 0o600, uid: 0, gid: 0, mtime: epoch }];
        }
      }
      return out;
    },
  }, '/', '');
}

/** Every extended attribute in an upper dir, by relative path (one process for the whole tree). */
export type UpperXattrs = Map<string, Map<string, Buffer>>;

export function readUpperXattrs(upper: string): Promise<UpperXattrs> {
  return readXattrs(upper);
}

/** The directories an upper dir marks opaque (relative), less those the scan left out. */
export function opaqueDirs(scan: UpperScan, xattrs: UpperXattrs): string[] {
  const out: string[] = [];
  for (const [rel, attrs] of xattrs) if (rel && !scan.excluded.has(rel) && attrs.get(`${overlayXattrPrefix()}opaque`)?.toString() === 'y') out.push(rel);
  return out.sort();
}

/**
 * Makes an upper dir the layer its tar describes: what the scan left out (the runtime's empty
 * mount points) is removed. The overlay must be unmounted: nothing may write it any more.
 */
export async function trimUpper(upper: string, scan: UpperScan): Promise<void> {
  for (const rel of scan.excluded) await fs.rm(path.join(upper, rel), { recursive: true, force: true });
}

/** Docker's change kinds (GET /containers/{id}/changes). */
export const enum ChangeKind { Modified = 0, Added = 1, Deleted = 2 }

/** `docker diff`: what the upper dir changed against the image's layers (`lowerDirs` top-most first). */
export async function listChanges(scan: UpperScan, lowerDirs: string[]): Promise<Array<{ path: string; kind: ChangeKind }>> {
  const out: Array<{ path: string; kind: ChangeKind }> = [];
  for (const e of scan.entries) {
    const p = `/${e.rel}`;
    if (e.whiteout) {
      out.push({ path: p, kind: ChangeKind.Deleted });
      continue;
    }
    let below = false;
    for (const l of lowerDirs) {
      const st = await fs.lstat(path.join(l, e.rel)).catch(() => undefined);
      if (st) {
        below = !isWhiteout(st);
        break;
      }
    }
    out.push({ path: p, kind: below ? ChangeKind.Modified : ChangeKind.Added });
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

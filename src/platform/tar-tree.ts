/**
 * A file tree as a tar stream, written with tar-stream: symlinks stored, never
 * followed; files linked more than once become hard-link entries; sockets
 * skipped (tar has none). Where the tree's paths live is the caller's: the
 * daemon maps container paths through a container's mounts, the CLI reads the host.
 */
import { createReadStream, lstatSync, promises as fs, readdirSync, readFileSync, readlinkSync, type Stats } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';

export interface TreeSource {
  /** host path of a tree path ("/"-joined, starting at the root passed to packTree) */
  hostPathOf(treePath: string): string;
  /** names to list in a directory besides what readdir shows (mount points) */
  extraChildren?(treePath: string): string[];
  /** A say over each entry before it is written (a layer diff rewrites overlay's whiteouts). */
  adjust?(treePath: string, st: Stats, header: tar.Headers): EntryAdjustment | undefined;
  /**
   * The tree is on a local disk the daemon owns (a layer, an upper dir, a staging dir): metadata and
   * small files are read synchronously. Each asynchronous call is a thread-pool round trip, which on a
   * loaded 2-core host costs more than the read itself; a volume or a path a user names stays asynchronous.
   */
  local?: boolean;
  /** directory entries named with a trailing slash ("etc/", "./"), as Go's archive/tar writes them (docker cp) */
  dirSlash?: boolean;
}

/** Files up to this size are read in one synchronous call when the tree is local. */
const SMALL_FILE = 256 * 1024;

export interface EntryAdjustment {
  /** drop the entry (a directory's children are still walked) */
  skip?: boolean;
  /** drop the entry and, for a directory, everything below it */
  prune?: boolean;
  /** write this header instead, with no content, and nothing below it */
  replace?: tar.Headers;
  /** extra pax records (xattrs) */
  pax?: Record<string, string>;
  /** empty entries written right after a directory's own */
  after?: tar.Headers[];
}

/** The tar of `root` with entries named from `rootName` (`bin/…`, `./…`); a failure ends the stream with it. */
export function packTree(source: TreeSource, root: string, rootName: string): Readable {
  const pack = tar.pack();
  const seen = new Map<string, string>();
  void (async () => {
    try {
      await addTree(pack, source, root, rootName, seen);
      pack.finalize();
    } catch (e) {
      pack.destroy(e as Error);
    }
  })();
  return pack;
}

function childName(parent: string, child: string): string {
  if (parent === '') return child; // a root named "" gives bare names ("etc/passwd"), as image layers have them
  return parent.endsWith('/') ? parent + child : `${parent}/${child}`;
}

async function addTree(pack: tar.Pack, source: TreeSource, treePath: string, name: string, seen: Map<string, string>): Promise<void> {
  const hostPath = source.hostPathOf(treePath);
  let st: Stats;
  try {
    st = source.local ? lstatSync(hostPath) : await fs.lstat(hostPath);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // gone while we walked: as tar does, skip it
    throw e;
  }
  if (st.isSocket()) return;
  let header: tar.Headers & { pax?: Record<string, string> } = { name, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime, size: 0 };
  const adj = source.adjust?.(treePath, st, header);
  if (adj?.replace) return entry(pack, adj.replace);
  if (adj?.prune) return;
  if (adj?.pax) header = { ...header, pax: adj.pax };
  if (st.isDirectory()) {
    const dirName = source.dirSlash && !header.name.endsWith('/') ? `${header.name}/` : header.name;
    if (!adj?.skip) await entry(pack, { ...header, name: dirName, type: 'directory' });
    for (const h of adj?.after ?? []) await entry(pack, h);
    const names = new Set(source.local ? readdirSync(hostPath) : await fs.readdir(hostPath));
    for (const m of source.extraChildren?.(treePath) ?? []) names.add(m);
    for (const child of [...names].sort()) await addTree(pack, source, childName(treePath, child), childName(name, child), seen);
    return;
  }
  if (adj?.skip) return;
  if (st.isSymbolicLink()) return entry(pack, { ...header, type: 'symlink', linkname: source.local ? readlinkSync(hostPath) : await fs.readlink(hostPath) });
  if (st.isFIFO()) return entry(pack, { ...header, type: 'fifo' });
  if (st.isCharacterDevice() || st.isBlockDevice()) {
    // glibc's major()/minor() split of dev_t (the low 32 bits, where Linux keeps common devices)
    const devmajor = (st.rdev >> 8) & 0xfff;
    const devminor = (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00);
    return entry(pack, { ...header, type: st.isCharacterDevice() ? 'character-device' : 'block-device', devmajor, devminor });
  }
  if (st.nlink > 1) {
    const key = `${st.dev}:${st.ino}`;
    const first = seen.get(key);
    if (first !== undefined) return entry(pack, { ...header, type: 'link', linkname: first });
    seen.set(key, name);
  }
  if (st.size === 0) return entry(pack, { ...header, type: 'file' });
  if (source.local && st.size <= SMALL_FILE) {
    // the bytes read are the entry: a file that changed size meanwhile still gives a consistent tar
    const body = readFileSync(hostPath);
    return new Promise((resolve, reject) => pack.entry({ ...header, type: 'file', size: body.length }, body, (err) => (err ? reject(err) : resolve())));
  }
  // exactly the size in the header: a file that grows meanwhile must not corrupt the tar
  await pipeline(createReadStream(hostPath, { start: 0, end: st.size - 1 }), pack.entry({ ...header, type: 'file', size: st.size }));
}

/** An entry without content; an empty file needs its (empty) body, or tar-stream waits for one. */
function entry(pack: tar.Pack, header: tar.Headers): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error | null) => (err ? reject(err) : resolve());
    if (header.type === 'file') pack.entry(header, Buffer.alloc(0), done);
    else pack.entry(header, done);
  });
}

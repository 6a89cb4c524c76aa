/**
 * Unpacks one layer tarball into an empty directory, in overlayfs form:
 * `.wh.<name>` becomes a 0/0 character device, `.wh..wh..opq` the xattr
 * trusted.overlay.opaque=y. Never follows a symlink while creating a path and
 * refuses entries that would land outside `dest`. Also computes the diffId
 * (sha256 of the uncompressed tar) and can keep a copy of that tar.
 */
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, createWriteStream, constants as C, lchownSync, lstatSync, lutimesSync, mkdirSync, openSync, promises as fs, writeSync, type Stats } from 'node:fs';
import * as path from 'node:path';
import { Transform, type Readable, type Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { decompressed } from './decompress';
import { FsBatch, S_IFBLK, S_IFCHR, S_IFIFO } from './berth-fs';
import { classifyWhiteout, normalizeEntryPath, parentPrefixes, resolveInside, unsafeEntry } from './path-safety';
import { inInitialUserns, overlayXattrPrefix } from '../platform/rootless';

export interface UnpackOptions {
  /** path of build/native/berth-fs */
  fsTool: string;
  /** apply tar ownership (default: when running as root) */
  chown?: boolean;
  /** also write the uncompressed tar to this file */
  keepTarAs?: string;
  /** diff dirs of the layers below, top-most first: hard link targets missing here are looked up there.
   * A function is called only when such a link occurs (a pull unpacks layers before their parents commit). */
  lowerDirs?: string[] | (() => Promise<string[]>);
  /** hash the uncompressed stream for the diffId (default); a caller that hashed the same bytes already skips it */
  computeDiffId?: boolean;
  signal?: AbortSignal;
}

export interface UnpackResult {
  diffId: string;
  /** bytes of regular file content */
  size: number;
  /** bytes of the uncompressed tar (what a save writes for this layer) */
  tarSize: number;
  /** directories the layer marks opaque (relative, "" for its root): a reader of the diff dirs needs them without reading xattrs */
  opaque: string[];
}

type TarHeader = tar.Headers & { pax?: Record<string, string> };

/**
 * Synchronous: the destination is a temp dir of the layer store on a local disk, and a thread-pool
 * round trip per call cost more than the call (a layer of small files is several calls per entry).
 */
async function lstatOrNull(p: string): Promise<Stats | null> {
  try {
    return lstatSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** Files up to this size are gathered and written with synchronous calls. */
const SMALL_FILE = 256 * 1024;

/**
 * A hard link target from a layer below (top-most first). Stops at a whiteout
 * and never goes through a symlink; the file is linked, not copied, because
 * layers are immutable once committed.
 */
async function findInLowerLayers(lowerDirs: string[], rel: string): Promise<[string, Stats] | undefined> {
  outer: for (const dir of lowerDirs) {
    for (const pre of parentPrefixes(rel)) {
      const st = await lstatOrNull(resolveInside(dir, pre));
      if (!st) continue outer;
      if (!st.isDirectory()) return undefined;
    }
    const abs = resolveInside(dir, rel);
    const st = await lstatOrNull(abs);
    if (!st) continue;
    if (st.isCharacterDevice() && st.rdev === 0) return undefined; // whited out above the rest
    if (st.isDirectory()) return undefined;
    return [abs, st];
  }
  return undefined;
}

export async function unpackLayer(src: Readable, dest: string, opts: UnpackOptions): Promise<UnpackResult> {
  const chown = opts.chown ?? process.getuid?.() === 0;
  const batch = new FsBatch(opts.fsTool);
  const dirTimes: { abs: string; mtime: Date }[] = [];
  let size = 0;
  let tarSize = 0;
  const opaque = new Set<string>();

  const plain = await decompressed(src);
  // a stream that turned out compressed is hashed whatever the caller assumed: its diffId is not the caller's hash
  const hash = opts.computeDiffId === false && plain === src ? undefined : createHash('sha256');
  const copy: Writable | undefined = opts.keepTarAs ? createWriteStream(opts.keepTarAs, { flags: 'wx', highWaterMark: 1 << 20 }) : undefined;
  const hasher = new Transform({
    transform(chunk: Buffer, _e, cb) {
      hash?.update(chunk);
      tarSize += chunk.length;
      if (copy && !copy.write(chunk)) copy.once('drain', () => cb(null, chunk));
      else cb(null, chunk);
    },
  });
  const extract = tar.extract();
  copy?.on('error', (e) => hasher.destroy(e));
  plain.on('error', (e) => hasher.destroy(e));
  hasher.on('error', (e) => extract.destroy(e));
  plain.pipe(hasher).pipe(extract);
  const abort = () => extract.destroy(new Error('aborted'));
  opts.signal?.addEventListener('abort', abort, { once: true });
  // whatever ended before the listeners above were there would otherwise leave the loop below waiting forever
  if (opts.signal?.aborted) abort();
  // a stream that ended empty is an empty layer, as dockerd's tar reader takes it (an import of no bytes)
  else if (plain === src && src.readableEnded && !src.errored) hasher.end();
  else if (src.destroyed || plain.destroyed) extract.destroy(src.errored ?? plain.errored ?? new Error('layer stream closed before its end'));

  /** Creates missing parents as 0755 dirs; a symlink or non-directory on the way is refused. */
  const ensureParents = async (rel: string, name: string) => {
    for (const pre of parentPrefixes(rel)) {
      const abs = resolveInside(dest, pre);
      if (batch.pending(abs)) throw unsafeEntry(name, `parent "${pre}" is not a directory`);
      const st = await lstatOrNull(abs);
      if (!st) mkdirSync(abs, { mode: 0o755 });
      else if (st.isSymbolicLink()) throw unsafeEntry(name, `parent "${pre}" is a symlink`);
      else if (!st.isDirectory()) throw unsafeEntry(name, `parent "${pre}" is not a directory`);
    }
  };

  /** Makes room for a new entry at `abs`: an existing dir stays when a dir replaces it. */
  const clear = async (abs: string, keepDir: boolean) => {
    if (batch.pending(abs)) await batch.flush();
    const st = await lstatOrNull(abs);
    if (!st) return;
    if (keepDir && st.isDirectory()) return;
    await fs.rm(abs, { recursive: true, force: true });
  };

  const setOwnerAndTimes = async (abs: string, h: TarHeader, mode: number | null) => {
    if (chown) await fs.lchown(abs, h.uid ?? 0, h.gid ?? 0);
    // after chown, which clears setuid/setgid
    if (mode !== null) await fs.chmod(abs, mode);
  };

  const applyXattrs = (abs: string, h: TarHeader) => {
    for (const [k, v] of Object.entries(h.pax ?? {})) {
      // trusted.* is host root's alone: a rootless daemon cannot keep it
      if (k.startsWith('SCHILY.xattr.') && k.endsWith('overlay.opaque') && v === 'y') opaque.add(path.relative(dest, abs));
      if (k.startsWith('SCHILY.xattr.') && (inInitialUserns() || !k.startsWith('SCHILY.xattr.trusted.'))) batch.setXattr(abs, k.slice('SCHILY.xattr.'.length), Buffer.from(v, 'latin1'));
    }
  };

  try {
    for await (const entry of extract) {
      const h = entry.header as TarHeader;
      const consumed = await handleEntry(h, entry);
      if (!consumed) entry.resume();
    }
    await batch.flush();
    // directory times last: creating children changed them
    for (const { abs, mtime } of dirTimes.reverse()) await fs.utimes(abs, mtime, mtime);
    if (copy) {
      copy.end();
      await finished(copy);
    }
    return { diffId: hash ? `sha256:${hash.digest('hex')}` : '', size, tarSize, opaque: [...opaque].sort() };
  } catch (e) {
    // our decompressor goes; the caller's own stream is unhooked and drained, not destroyed:
    // an HTTP request body destroyed here would take its socket, and the error answer, with it
    if (plain !== src) plain.destroy();
    else src.unpipe(hasher).resume();
    hasher.destroy();
    extract.destroy();
    copy?.destroy();
    throw e;
  } finally {
    opts.signal?.removeEventListener('abort', abort);
  }

  async function handleEntry(h: TarHeader, entry: Readable): Promise<boolean> {
    const rel = normalizeEntryPath(h.name);
    const mode = (h.mode ?? 0o644) & 0o7777;
    const mtime = h.mtime ?? new Date(0);
    if (rel === '') {
      if (h.type === 'directory') {
        await setOwnerAndTimes(dest, h, mode);
        dirTimes.push({ abs: dest, mtime });
      }
      return false;
    }
    const wh = classifyWhiteout(rel);
    if (wh.kind === 'ignored') return false;
    if (wh.kind === 'opaque') {
      if (wh.dir) {
        await ensureParents(`${wh.dir}/x`, h.name);
        const abs = resolveInside(dest, wh.dir);
        const st = await lstatOrNull(abs);
        if (!st) await fs.mkdir(abs, { mode: 0o755 });
        else if (!st.isDirectory()) throw unsafeEntry(h.name, 'opaque marker in a non-directory');
      }
      batch.setXattr(resolveInside(dest, wh.dir), `${overlayXattrPrefix()}opaque`, 'y');
      opaque.add(wh.dir);
      return false;
    }
    if (wh.kind === 'file') {
      await ensureParents(wh.target, h.name);
      const abs = resolveInside(dest, wh.target);
      await clear(abs, false);
      batch.mknod(abs, S_IFCHR, 0, 0, chown ? h.uid ?? 0 : process.getuid?.() ?? 0, chown ? h.gid ?? 0 : process.getgid?.() ?? 0, mtime);
      return false;
    }

    await ensureParents(rel, h.name);
    const abs = resolveInside(dest, rel);
    switch (h.type) {
      case 'directory': {
        await clear(abs, true);
        if (!(await lstatOrNull(abs))) await fs.mkdir(abs, { mode: 0o700 });
        await setOwnerAndTimes(abs, h, mode);
        applyXattrs(abs, h);
        dirTimes.push({ abs, mtime });
        return false;
      }
      case 'file':
      case 'contiguous-file':
      case null:
      case undefined: {
        await clear(abs, false);
        if ((h.size ?? 0) <= SMALL_FILE) {
          const chunks: Buffer[] = [];
          for await (const chunk of entry) chunks.push(chunk as Buffer);
          // O_EXCL: fails rather than writing through anything already there
          const fd = openSync(abs, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o600);
          try {
            for (const c of chunks) {
              for (let off = 0; off < c.length; ) off += writeSync(fd, c, off);
              size += c.length;
            }
          } finally {
            closeSync(fd);
          }
          if (chown) lchownSync(abs, h.uid ?? 0, h.gid ?? 0);
          chmodSync(abs, mode); // after chown, which clears setuid/setgid
          lutimesSync(abs, mtime, mtime);
          applyXattrs(abs, h);
          return true;
        }
        // O_EXCL: fails rather than writing through anything already there
        const fh = await fs.open(abs, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o600);
        try {
          // one writev per MiB instead of a write per network-sized chunk: fewer thread-pool round trips
          let pending: Buffer[] = [];
          let pendingBytes = 0;
          for await (const chunk of entry) {
            pending.push(chunk as Buffer);
            pendingBytes += (chunk as Buffer).length;
            if (pendingBytes >= 1 << 20) {
              await fh.writev(pending);
              size += pendingBytes;
              pending = [];
              pendingBytes = 0;
            }
          }
          if (pending.length) await fh.writev(pending);
          size += pendingBytes;
        } finally {
          await fh.close();
        }
        await setOwnerAndTimes(abs, h, mode);
        await fs.lutimes(abs, mtime, mtime);
        applyXattrs(abs, h);
        return true;
      }
      case 'symlink': {
        await clear(abs, false);
        // the target is stored as-is: it is never followed here, and inside a container it resolves in its rootfs
        await fs.symlink(h.linkname ?? '', abs);
        if (chown) await fs.lchown(abs, h.uid ?? 0, h.gid ?? 0);
        await fs.lutimes(abs, mtime, mtime);
        applyXattrs(abs, h);
        return false;
      }
      case 'link': {
        const targetRel = normalizeEntryPath(h.linkname ?? '');
        if (!targetRel) throw unsafeEntry(h.name, 'hard link to the layer root');
        let here = true;
        for (const pre of parentPrefixes(targetRel)) {
          const st = await lstatOrNull(resolveInside(dest, pre));
          if (!st) {
            here = false; // not in this layer: maybe below
            break;
          }
          if (!st.isDirectory()) throw unsafeEntry(h.name, `hard link target "${h.linkname}" is not inside the layer`);
        }
        let target = resolveInside(dest, targetRel);
        if (batch.pending(target)) await batch.flush();
        let st = here ? await lstatOrNull(target) : null;
        if (!st) {
          const lowerDirs = typeof opts.lowerDirs === 'function' ? await opts.lowerDirs() : opts.lowerDirs ?? [];
          const lower = await findInLowerLayers(lowerDirs, targetRel);
          if (lower) [target, st] = lower;
        }
        if (!st) throw unsafeEntry(h.name, `hard link target "${h.linkname}" does not exist in the layer`);
        if (st.isDirectory()) throw unsafeEntry(h.name, 'hard link to a directory');
        if (target === abs) return false;
        await clear(abs, false);
        await fs.link(target, abs); // link(2) does not follow a symlink target on Linux
        return false;
      }
      case 'character-device':
      case 'block-device':
      case 'fifo': {
        // a user namespace may make no device node (rootless dockerd skips them too); the runtime binds /dev's
        if (h.type !== 'fifo' && !inInitialUserns()) return false;
        await clear(abs, false);
        const type = h.type === 'fifo' ? S_IFIFO : h.type === 'block-device' ? S_IFBLK : S_IFCHR;
        const uid = chown ? h.uid ?? 0 : process.getuid?.() ?? 0;
        const gid = chown ? h.gid ?? 0 : process.getgid?.() ?? 0;
        batch.mknod(abs, type | mode, h.devmajor ?? 0, h.devminor ?? 0, uid, gid, mtime);
        applyXattrs(abs, h);
        return false;
      }
      default:
        // pax/gnu headers are consumed by tar-stream; anything else has no file to make
        return false;
    }
  }
}

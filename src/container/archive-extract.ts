/**
 * `PUT /containers/{id}/archive`: a client's tar extracted into a directory of
 * the container. The upload is spooled to a file and checked entry by entry
 * before anything is written (names, link targets, symlinks from the archive,
 * read-only mounts, dir/non-dir overwrites), so a refused archive leaves no
 * trace. Every path is resolved in container space through the mount table,
 * so neither the archive nor the container's own symlinks can lead a write
 * outside the container's tree.
 */
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { ForbiddenError, InvalidArgumentError } from '../base/errors';
import { decompressed } from '../layer/decompress';
import { FsBatch, S_IFBLK, S_IFCHR, S_IFIFO } from '../layer/berth-fs';
import { normalizeEntryPath } from '../layer/path-safety';
import { hostPathOf, resolveContainerPath, type PathMount, type PathProbe } from './path-resolve';

type TarHeader = tar.Headers & { pax?: Record<string, string> };

export interface ExtractOptions {
  /** refuse to replace a directory by a non-directory or the reverse (the docker CLI always asks this) */
  noOverwriteDirNonDir: boolean;
  /** owner of everything extracted (`cp -a` with a container user); else the archive's ids */
  chownTo?: { uid: number; gid: number };
  /** container IDs → host IDs (--userns-remap): what the container's IDs are on disk */
  toHostIds?: (uid: number, gid: number) => [number, number];
  /** the container was made with --read-only */
  readonlyRootfs: boolean;
  /** build/native/berth-fs, for device nodes, fifos and xattrs */
  fsTool: string;
}

/** Entry kinds an upload may carry; pax/gnu bookkeeping is consumed by tar-stream. */
const KINDS = new Set(['file', 'contiguous-file', 'directory', 'symlink', 'link', 'fifo', 'character-device', 'block-device']);

/** The real file system, seen by the resolver. */
export const diskProbe: PathProbe = {
  async readlink(hostPath) {
    try {
      const st = await fs.lstat(hostPath);
      return st.isSymbolicLink() ? await fs.readlink(hostPath) : null;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw e;
    }
  },
};

/** Writes the (possibly compressed) upload to `file` as a plain tar. */
export async function spoolUpload(src: Readable, file: string): Promise<void> {
  await pipeline(await decompressed(src), createWriteStream(file, { flags: 'wx', mode: 0o600 }));
}

async function* entries(file: string): AsyncGenerator<{ header: TarHeader; body: Readable }> {
  const extract = tar.extract();
  const src = createReadStream(file);
  src.on('error', (e) => extract.destroy(e));
  src.pipe(extract);
  try {
    for await (const entry of extract) {
      yield { header: entry.header as TarHeader, body: entry };
      entry.resume(); // a body the consumer did not read is skipped
    }
  } catch (e) {
    throw new InvalidArgumentError(`Error processing tar file: ${(e as Error).message}`, 'BAD_TAR');
  } finally {
    src.destroy();
  }
}

function refuse(name: string, why: string): InvalidArgumentError {
  return new InvalidArgumentError(`Error processing tar file: refusing "${name}": ${why}`, 'UNSAFE_ARCHIVE_ENTRY');
}

/** A clean path relative to the destination, or a refusal for absolute names and "..". */
function entryPath(name: string): string {
  if (name.startsWith('/')) throw refuse(name, 'absolute path');
  try {
    return normalizeEntryPath(name);
  } catch {
    throw refuse(name, 'it has a ".." component');
  }
}

/** Where one entry lands: its container path and host path, the parent followed, the entry itself not. */
async function locate(table: readonly PathMount[], dest: string, rel: string, probe: PathProbe): Promise<{ containerPath: string; hostPath: string; mount: PathMount }> {
  if (rel === '') return resolveContainerPath(table, dest, probe, { followLast: true });
  const parent = await resolveContainerPath(table, path.posix.join(dest, path.posix.dirname(rel)), probe, { followLast: true });
  const containerPath = path.posix.join(parent.containerPath, path.posix.basename(rel));
  return { containerPath, ...hostPathOf(table, containerPath) };
}

export function assertWritable(mount: PathMount, opts: ExtractOptions): void {
  if (mount.destination === '/' || isEtcFile(mount)) {
    if (opts.readonlyRootfs) throw new ForbiddenError('container rootfs is marked read-only', 'ROOTFS_READONLY');
  } else if (!mount.rw) throw new ForbiddenError('mounted volume is marked read-only', 'VOLUME_READONLY');
}

function isEtcFile(m: PathMount): boolean {
  return m.destination === '/etc/hosts' || m.destination === '/etc/resolv.conf' || m.destination === '/etc/hostname';
}

const isDirEntry = (h: TarHeader) => h.type === 'directory';

/**
 * Pass 1: every entry checked against the destination as pass 2 will find it. Entries
 * the archive makes are laid over the disk (`overlay`: host path → symlink target, or
 * null for anything else) so later entries are judged against them.
 */
export async function checkArchive(file: string, table: readonly PathMount[], dest: string, opts: ExtractOptions): Promise<void> {
  const overlay = new Map<string, string | null>();
  const kinds = new Map<string, 'dir' | 'other'>();
  /** archive symlinks by entry path: their lexical target relative to the destination, or null when it leaves it */
  const links = new Map<string, string | null>();
  const probe: PathProbe = {
    readlink: async (h) => (overlay.has(h) ? overlay.get(h) : diskProbe.readlink(h)),
  };
  const throughArchiveLink = (rel: string, name: string) => {
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) {
      const pre = parts.slice(0, i).join('/');
      if (links.has(pre) && links.get(pre) === null) throw refuse(name, `it goes through the symlink "${pre}" of the archive, which points outside the destination`);
    }
  };
  for await (const { header: h } of entries(file)) {
    const name = h.name;
    if (!KINDS.has(h.type ?? 'file')) throw refuse(name, `unsupported entry type ${h.type}`);
    const rel = entryPath(name);
    throughArchiveLink(rel, name);
    if (rel === '' && !isDirEntry(h)) throw refuse(name, 'it would replace the destination directory');
    const at = await locate(table, dest, rel, probe);
    assertWritable(at.mount, opts);
    if (h.type === 'link') {
      const target = entryPath(h.linkname ?? '');
      throughArchiveLink(target, name);
      if (target === '') throw refuse(name, 'hard link to the destination directory');
    }
    if (h.type === 'symlink') {
      const target = h.linkname ?? '';
      const lexical = path.posix.normalize(path.posix.join(path.posix.dirname(rel), target));
      links.set(rel, target.startsWith('/') || lexical === '..' || lexical.startsWith('../') ? null : lexical);
    }
    if (rel !== '') {
      const existing = kinds.get(rel) ?? (await diskKind(at.hostPath));
      if (opts.noOverwriteDirNonDir && existing) {
        if (existing === 'dir' && !isDirEntry(h)) throw new InvalidArgumentError(`Error processing tar file: cannot overwrite directory "${at.containerPath}" with non-directory "${dest}"`, 'OVERWRITE_DIR');
        if (existing === 'other' && isDirEntry(h)) throw new InvalidArgumentError(`Error processing tar file: cannot overwrite non-directory "${at.containerPath}" with directory "${dest}"`, 'OVERWRITE_NON_DIR');
      }
      kinds.set(rel, isDirEntry(h) ? 'dir' : 'other');
      overlay.set(at.hostPath, h.type === 'symlink' ? (h.linkname ?? '') : null);
    }
  }
}

async function diskKind(hostPath: string): Promise<'dir' | 'other' | undefined> {
  const st = await fs.lstat(hostPath).catch(() => undefined);
  return st ? (st.isDirectory() ? 'dir' : 'other') : undefined;
}

function hostOwner(o: { uid: number; gid: number }, toHost: ExtractOptions['toHostIds']): { uid: number; gid: number } {
  if (!toHost) return o;
  const [uid, gid] = toHost(o.uid, o.gid);
  return { uid, gid };
}

/** Creates the missing directories of a container path (0755, as Docker does), resolving as it goes. */
async function ensureDir(table: readonly PathMount[], containerDir: string, owner: { uid: number; gid: number } | undefined): Promise<string> {
  const r = await resolveContainerPath(table, containerDir, diskProbe, { followLast: true });
  const st = await fs.lstat(r.hostPath).catch(() => undefined);
  if (st?.isDirectory()) return r.hostPath;
  if (st) throw new InvalidArgumentError(`Error processing tar file: ${r.containerPath} is not a directory`, 'NOT_A_DIRECTORY');
  await ensureDir(table, path.posix.dirname(r.containerPath), owner);
  await fs.mkdir(r.hostPath, { mode: 0o755 });
  if (owner) await fs.lchown(r.hostPath, owner.uid, owner.gid);
  return r.hostPath;
}

/** Pass 2: write the entries (the archive passed checkArchive). */
export async function extractArchive(file: string, table: readonly PathMount[], dest: string, opts: ExtractOptions): Promise<void> {
  const batch = new FsBatch(opts.fsTool);
  const dirTimes: Array<{ hostPath: string; mtime: Date }> = [];
  for await (const { header: h, body } of entries(file)) {
    const rel = entryPath(h.name);
    if (rel === '') continue; // the destination itself keeps its mode, owner and times (dockerd does the same)
    const containerPath = path.posix.join(dest, rel);
    await ensureDir(table, path.posix.dirname(containerPath), opts.toHostIds ? hostOwner(opts.chownTo ?? { uid: 0, gid: 0 }, opts.toHostIds) : opts.chownTo);
    const at = await locate(table, dest, rel, diskProbe);
    assertWritable(at.mount, opts); // again: a symlink made by this archive may lead into a read-only mount
    const target = at.hostPath;
    const existing = await fs.lstat(target).catch(() => undefined);
    if (existing && !(existing.isDirectory() && isDirEntry(h))) await fs.rm(target, { recursive: true, force: true });
    const { uid, gid } = hostOwner({ uid: opts.chownTo?.uid ?? h.uid ?? 0, gid: opts.chownTo?.gid ?? h.gid ?? 0 }, opts.toHostIds);
    const mode = (h.mode ?? 0o644) & 0o7777;
    const mtime = h.mtime ?? new Date();
    switch (h.type) {
      case 'directory':
        if (!existing?.isDirectory()) await fs.mkdir(target, { mode: 0o700 });
        await fs.lchown(target, uid, gid);
        await fs.chmod(target, mode);
        dirTimes.push({ hostPath: target, mtime });
        break;
      case 'symlink':
        await fs.symlink(h.linkname ?? '', target);
        await fs.lchown(target, uid, gid);
        await fs.lutimes(target, mtime, mtime);
        break;
      case 'link': {
        const from = await locate(table, dest, entryPath(h.linkname ?? ''), diskProbe);
        await fs.link(from.hostPath, target);
        break;
      }
      case 'fifo':
      case 'character-device':
      case 'block-device': {
        const type = h.type === 'fifo' ? S_IFIFO : h.type === 'character-device' ? S_IFCHR : S_IFBLK;
        batch.mknod(target, type | mode, h.devmajor ?? 0, h.devminor ?? 0, uid, gid, mtime);
        await batch.flush(); // a later entry may replace or link this one
        break;
      }
      default: {
        // 'wx' never opens through a symlink: the path was cleared above
        await pipeline(body, createWriteStream(target, { flags: 'wx', mode: 0o600 }));
        await fs.lchown(target, uid, gid);
        await fs.chmod(target, mode); // after chown, which clears setuid/setgid
        await fs.utimes(target, mtime, mtime);
      }
    }
    for (const [k, v] of Object.entries(h.pax ?? {})) {
      if (k.startsWith('SCHILY.xattr.')) batch.setXattr(target, k.slice('SCHILY.xattr.'.length), Buffer.from(v, 'latin1'));
    }
  }
  await batch.flush();
  // directory times last: creating their children changed them
  for (const { hostPath, mtime } of dirTimes.reverse()) await fs.utimes(hostPath, mtime, mtime);
}

/**
 * `docker cp`'s three operations on a container's files: stat a path, read it
 * as a tar, extract a tar into a directory. A running container is read and
 * written where it lives; a stopped one (created, exited) has its rootfs and
 * device volumes mounted for the copy and unmounted after, under the
 * container's lock so no start or removal runs in between. Paths resolve as
 * the container sees them (path-resolve.ts); this module owns the sessions.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { ConflictError, InvalidArgumentError, NotFoundError } from '../base/errors';
import { defaultBerthFsPath } from '../layer/berth-fs';
import { unmount } from '../platform/mount';
import { tarDirectory } from '../platform/tar-dir';
import { assertWritable, checkArchive, diskProbe, extractArchive, spoolUpload } from './archive-extract';
import { packContainerPath } from './archive-pack';
import type { ContainerContext } from './context';
import { publishContainerEvent } from './context';
import { mountImages, mountPointsOf, unmountImages } from './mounts';
import { absContainerPath, assertsDirectory, goBase, goFileMode, goTimeUtc, resolveContainerPath, type ContainerPathStat, type PathMount, type ResolvedPath } from './path-resolve';
import { mountRootfs } from './start';
import { isRunning } from './status';
import type { ContainerRecord } from './types';
import { containerIdsOf, hostIdsOf, remapOf } from './userns';
import { resolveUser } from './user';

export type { ContainerPathStat } from './path-resolve';

export interface ExtractToDirOptions {
  noOverwriteDirNonDir: boolean;
  /** chown to the container's user (`docker cp -a`) */
  copyUIDGID: boolean;
}

/** A container's file tree made reachable for one copy; `close` undoes what opening did. */
interface ContainerFs {
  rec: ContainerRecord;
  table: PathMount[];
  close(): Promise<void>;
}

const ETC_FILES = [
  ['/etc/hosts', 'hostsPath'],
  ['/etc/resolv.conf', 'resolvConfPath'],
  ['/etc/hostname', 'hostnamePath'],
] as const;

/** '/' is the rootfs; binds, volumes and the generated /etc files lie over it as in the container. */
async function mountTable(rec: ContainerRecord): Promise<PathMount[]> {
  const table: PathMount[] = [{ destination: '/', source: rec.rootfs, rw: !rec.spec.host.readonlyRootfs }];
  for (const [dest, key] of ETC_FILES) {
    // written at first start; before that the image's own file is what the container has
    if (await fs.lstat(rec[key]).then((s) => s.isFile(), () => false)) table.push({ destination: dest, source: rec[key], rw: !rec.spec.host.readonlyRootfs });
  }
  for (const mp of mountPointsOf(rec)) {
    if (mp.type === 'tmpfs') continue; // lives only in a running container's mount namespace
    table.push({ destination: path.posix.normalize(mp.destination).replace(/(.)\/+$/, '$1'), source: mp.source, rw: mp.rw });
  }
  return table;
}

/**
 * Opens the container's tree. Running: nothing to do (start mounted it). Stopped: rootfs and
 * device volumes mounted now, the lock held until `close`, which unmounts them again.
 */
function openContainerFs(ctx: ContainerContext, ref: string): Promise<ContainerFs> {
  const rec = ctx.store.resolve(ref);
  return new Promise<ContainerFs>((resolve, reject) => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const session = ctx.locks.run(rec.id, async () => {
      if (!ctx.store.get(rec.id)) throw new NotFoundError('container', ref);
      if (rec.state.status === 'removing') throw new ConflictError(`container ${rec.id} is being removed`, 'CONTAINER_REMOVING');
      if (isRunning(rec.state.status)) {
        resolve({ rec, table: await mountTable(rec), close: async () => undefined });
        return;
      }
      const activated: string[] = [];
      try {
        await mountRootfs(ctx, rec);
        await mountImages(ctx, rec);
        for (const mp of mountPointsOf(rec)) {
          if (mp.type !== 'volume') continue;
          await ctx.volumes.activate(mp.name);
          activated.push(mp.name);
        }
        resolve({
          rec,
          table: await mountTable(rec),
          close: async () => {
            release();
            await session.catch(() => undefined);
          },
        });
        await released;
      } finally {
        for (const name of activated) {
          const others = ctx.store.all().some((r) => r.id !== rec.id && isRunning(r.state.status) && mountPointsOf(r).some((m) => m.type === 'volume' && m.name === name));
          await ctx.volumes.deactivate(name, others).catch((e: unknown) => ctx.logger.warn({ id: rec.id, volume: name, err: String(e) }, 'volume unmount after copy failed'));
        }
        await unmountImages(ctx, rec).catch((e: unknown) => ctx.logger.warn({ id: rec.id, err: String(e) }, 'image mount unmount after copy failed'));
        await unmount(rec.rootfs).catch((e: unknown) => ctx.logger.warn({ id: rec.id, err: String(e) }, 'rootfs unmount after copy failed'));
      }
    });
    session.catch(reject);
  });
}

async function withContainerFs<T>(ctx: ContainerContext, ref: string, fn: (cfs: ContainerFs) => Promise<T>): Promise<T> {
  const cfs = await openContainerFs(ctx, ref);
  try {
    return await fn(cfs);
  } finally {
    await cfs.close();
  }
}

function fileNotFound(userPath: string, ref: string): NotFoundError {
  return new NotFoundError('file', userPath, `Could not find the file ${userPath} in container ${ref}`);
}

/**
 * A user's path located as dockerd does: the parent followed, the last component
 * followed only when the path asks for a directory ("dir/", "dir/.").
 */
async function locatePath(cfs: ContainerFs, userPath: string, ref: string): Promise<{ resolved: ResolvedPath; stat: ContainerPathStat; isDir: boolean }> {
  const abs = absContainerPath(userPath);
  const followLast = assertsDirectory(abs);
  const resolved = await resolveContainerPath(cfs.table, abs, diskProbe, { followLast });
  let st;
  try {
    st = await fs.lstat(resolved.hostPath, { bigint: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw fileNotFound(userPath, ref);
    if (code === 'ENOTDIR') throw new InvalidArgumentError(`lstat ${abs}: not a directory`, 'NOT_A_DIRECTORY');
    throw e;
  }
  if (followLast && !st.isDirectory()) throw new InvalidArgumentError(`lstat ${abs}: not a directory`, 'NOT_A_DIRECTORY');
  const linkTarget = st.isSymbolicLink() ? (await resolveContainerPath(cfs.table, resolved.containerPath, diskProbe, { followLast: true })).containerPath : '';
  const stat: ContainerPathStat = { name: goBase(abs), size: Number(st.size), mode: goFileMode(Number(st.mode)), mtime: goTimeUtc(st.mtimeNs), linkTarget };
  return { resolved, stat, isDir: st.isDirectory() };
}

/** HEAD …/archive: the stat of a path in the container (a final symlink is described, not followed). */
export function statContainerPath(ctx: ContainerContext, ref: string, userPath: string): Promise<ContainerPathStat> {
  absContainerPath(userPath); // an empty path is a bad request before anything is mounted
  return withContainerFs(ctx, ref, async (cfs) => (await locatePath(cfs, userPath, ref)).stat);
}

/** `source` piped through a stream whose end the reader sees only once the container is released, so nothing stays mounted after a read. */
function releasedAtEnd(cfs: ContainerFs, source: Readable): Readable {
  const tar = new Transform({
    transform: (chunk: Buffer, _enc, cb) => cb(null, chunk),
    flush: (cb) => void cfs.close().then(() => cb(), cb),
  });
  source.once('error', (e) => tar.destroy(e));
  tar.once('close', () => {
    source.destroy();
    void cfs.close();
  });
  source.pipe(tar);
  return tar;
}

/** dockerd's rebase name: a path whose last component is "." ("." "./" "/." "/bar/.") names its contents "./…". */
export function archiveRootName(userPath: string, abs: string): string {
  return /(^|\/)\.\/?$/.test(userPath) ? '.' : goBase(abs);
}

/** GET …/archive: the stat and a tar of the path; a stopped container stays mounted until the tar ends. */
export async function archiveContainerPath(ctx: ContainerContext, ref: string, userPath: string): Promise<{ stat: ContainerPathStat; tar: Readable }> {
  const abs = absContainerPath(userPath);
  const cfs = await openContainerFs(ctx, ref);
  try {
    const { resolved, stat } = await locatePath(cfs, userPath, ref);
    const tar = releasedAtEnd(cfs, packContainerPath(cfs.table, resolved.containerPath, archiveRootName(userPath, abs), containerIdsOf(remapOf(ctx, cfs.rec))));
    publishContainerEvent(ctx, cfs.rec, 'archive-path');
    return { stat, tar };
  } catch (e) {
    await cfs.close();
    throw e;
  }
}

/** `docker export`: the root filesystem as a tar (volumes and binds left out, as dockerd does); a stopped container is mounted for it, as dockerd does. */
export async function exportContainer(ctx: ContainerContext, ref: string): Promise<Readable> {
  const cfs = await openContainerFs(ctx, ref);
  try {
    const tar = releasedAtEnd(cfs, await tarDirectory(cfs.rec.rootfs));
    publishContainerEvent(ctx, cfs.rec, 'export');
    return tar;
  } catch (e) {
    await cfs.close();
    throw e;
  }
}

/** PUT …/archive: `body` (a tar, possibly compressed) extracted into the existing directory `userPath`. */
export async function extractToContainerDir(ctx: ContainerContext, ref: string, userPath: string, body: Readable, opts: ExtractToDirOptions): Promise<void> {
  const abs = absContainerPath(userPath);
  const rec = ctx.store.resolve(ref);
  const spool = path.join(ctx.store.containerDir(rec.id), `cp-upload-${randomBytes(6).toString('hex')}.tar`);
  try {
    await withContainerFs(ctx, ref, async (cfs) => {
      const dest = await resolveContainerPath(cfs.table, abs, diskProbe, { followLast: true });
      const st = await fs.lstat(dest.hostPath).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT' || e.code === 'ENOTDIR') throw fileNotFound(userPath, ref);
        throw e;
      });
      if (!st.isDirectory()) throw new InvalidArgumentError('extraction point is not a directory', 'EXTRACT_POINT_NOT_DIR');
      const base = { noOverwriteDirNonDir: opts.noOverwriteDirNonDir, readonlyRootfs: cfs.rec.spec.host.readonlyRootfs, fsTool: defaultBerthFsPath() };
      assertWritable(dest.mount, base);
      const user = opts.copyUIDGID && cfs.rec.user ? await resolveUser(cfs.rec.rootfs, cfs.rec.user, []) : undefined;
      const toHostIds = hostIdsOf(remapOf(ctx, cfs.rec));
      const xopts = { ...base, ...(user ? { chownTo: { uid: user.uid, gid: user.gid } } : {}), ...(toHostIds ? { toHostIds } : {}) };
      // spooled whole and checked whole: a refused archive writes nothing
      await spoolUpload(body, spool);
      await checkArchive(spool, cfs.table, dest.containerPath, xopts);
      await extractArchive(spool, cfs.table, dest.containerPath, xopts);
      publishContainerEvent(ctx, cfs.rec, 'extract-to-dir');
    });
  } finally {
    await fs.rm(spool, { force: true });
  }
}

/**
 * A container's mounts across its lifecycle: resolved (and named/anonymous
 * volumes created) at create, prepared at start (device-option volumes mounted,
 * image content copied up into empty volumes), released after stop, and
 * anonymous volumes dropped by `rm -v` / `--rm`.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isMounted, mountOverlay, unmount } from '../platform/mount';
import { ConflictError, InternalError, InvalidArgumentError, NotFoundError, errorMessage } from '../base/errors';
import { assertVolumeName, parseBind, randomVolumeName, resolveUserMountPoints, withAnonymousVolumes, type MountPoint } from '../volume/index';
import type { RuntimeSpecInput } from '../runtime/types';
import type { ContainerContext } from './context';
import type { ContainerSpec } from './spec';
import { isRunning } from './status';
import { volumeSubpath } from '../volume/subpath';
import { chownToRemappedRoot, remapOf } from './userns';
import type { ContainerRecord } from './types';

export interface CreatedMounts {
  mountPoints: MountPoint[];
  /** volumes this create made (removed again when the create fails) */
  created: string[];
}

function parseVolumesFrom(ctx: ContainerContext, entry: string): { mountPoints: MountPoint[]; mode: '' | 'ro' | 'rw' } {
  const [ref = '', mode = '', extra] = entry.split(':');
  if (extra !== undefined || (mode !== '' && mode !== 'ro' && mode !== 'rw')) throw new InvalidArgumentError(`invalid mode for volumes-from: ${entry}`, 'INVALID_VOLUMES_FROM');
  // dockerd: a missing source container is a bad parameter (400), not a missing resource
  let other: ReturnType<ContainerContext['store']['resolve']>;
  try {
    other = ctx.store.resolve(ref);
  } catch (e) {
    if (e instanceof NotFoundError) throw new InvalidArgumentError(e.message, 'VOLUMES_FROM_NOT_FOUND');
    throw e;
  }
  return { mountPoints: other.mountPoints ?? legacyMountPoints(other), mode };
}

/** The user's mounts, resolved: `--volumes-from`, `-v`, `--mount` and Config.Volumes (the image's VOLUMEs come at create). */
function specMountPoints(ctx: ContainerContext, spec: ContainerSpec): MountPoint[] {
  const h = spec.host;
  const user = resolveUserMountPoints({ binds: h.binds, mounts: h.mounts, volumesFrom: h.volumesFrom.map((e) => parseVolumesFrom(ctx, e)) });
  return withAnonymousVolumes(user, Object.keys(spec.volumes ?? {}), Object.keys(h.tmpfs));
}

function mountRequest(spec: ContainerSpec, mp: MountPoint): ContainerSpec['host']['mounts'][number] | undefined {
  return spec.host.mounts.find((m) => m.type === mp.type && path.posix.normalize(m.target).replace(/(.)\/+$/, '$1') === mp.destination);
}

/** The user's mounts, resolved and checked: what dockerd refuses before it looks the image up (no pull for a bad mount). */
export interface CheckedMounts {
  mountPoints: MountPoint[];
}

/**
 * Resolves and checks the user's mounts once, without the image, as dockerd does before its image lookup;
 * createMountPoints takes the result. The image's VOLUMEs, added there, are anonymous volumes at
 * destinations nothing else takes: nothing in them needs this check.
 */
export async function validateMounts(ctx: ContainerContext, spec: ContainerSpec): Promise<CheckedMounts> {
  const mountPoints = specMountPoints(ctx, spec);
  const requestOf = (mp: MountPoint) => mountRequest(spec, mp);
  for (const mp of mountPoints) {
    // checked before anything is created, so a bad name leaves no earlier volume behind
    if (mp.type === 'volume' && mp.name) assertVolumeName(mp.name);
    if (mp.type === 'volume' && requestOf(mp)?.volumeDriver && requestOf(mp)?.volumeDriver !== 'local') {
      const d = requestOf(mp)!.volumeDriver!;
      throw new NotFoundError('plugin', d, `create ${mp.name}: error looking up volume plugin ${d}: plugin "${d}" not found`);
    }
    if (mp.type === 'bind' && requestOf(mp)) {
      // --mount type=bind never creates its source; -v does (below)
      const st = await fs.stat(mp.source).catch(() => undefined);
      if (!st) throw new InvalidArgumentError(`invalid mount config for type "bind": bind source path does not exist: ${mp.source}`, 'INVALID_MOUNT');
    }
  }
  return { mountPoints };
}

/**
 * The checked mounts with the image's VOLUMEs added; creates the volumes they name and looks up the images
 * of image mounts (local only, as dockerd: "No such image"), before anything is created.
 */
export async function createMountPoints(ctx: ContainerContext, spec: ContainerSpec, checked: CheckedMounts, imageVolumes: string[], containerId: string): Promise<CreatedMounts> {
  const mountPoints = withAnonymousVolumes(checked.mountPoints, imageVolumes, Object.keys(spec.host.tmpfs)).map((mp) => ({ ...mp }));
  const requestOf = (mp: MountPoint) => mountRequest(spec, mp);
  for (const mp of mountPoints) {
    if (mp.type !== 'image') continue;
    mp.imageId = (await ctx.images.resolve(mp.name)).id;
    mp.source = imageMountDir(ctx, containerId, mp.destination);
  }
  const created: string[] = [];
  try {
    for (const mp of mountPoints) {
      if (mp.type === 'bind' && !requestOf(mp)) await fs.mkdir(mp.source, { recursive: true, mode: 0o755 });
      if (mp.type !== 'volume') continue;
      const req = requestOf(mp);
      const name = mp.name || randomVolumeName();
      const opts = {
        anonymous: mp.name === '',
        ...(req?.volumeLabels ? { labels: req.volumeLabels } : {}),
        ...(req?.volumeDriverOptions ? { options: req.volumeDriverOptions } : {}),
      };
      const r = await ctx.volumes.ensure(name, opts, containerId);
      if (r.created) created.push(name);
      mp.name = name;
      mp.source = r.volume.mountpoint;
    }
  } catch (e) {
    await dropVolumes(ctx, created);
    ctx.volumes.settle(containerId);
    throw e;
  }
  return { mountPoints, created };
}

/** Where an image mount is mounted on the host while its container runs: one directory per destination. */
function imageMountDir(ctx: ContainerContext, containerId: string, destination: string): string {
  return path.join(ctx.store.containerDir(containerId), 'image-mounts', createHash('sha256').update(destination).digest('hex').slice(0, 16));
}

/**
 * Before a container starts (and for `docker cp` on a stopped one): each image mount's layers as a read-only
 * overlay (no upper dir) at its host directory; overlayfs wants two lower dirs, so a one-layer image gets an
 * empty one under it. The runtime binds that directory (or its subpath) read-only into the container.
 */
export async function mountImages(ctx: ContainerContext, rec: ContainerRecord): Promise<void> {
  for (const mp of mountPointsOf(rec)) {
    if (mp.type !== 'image' || (await isMounted(mp.source))) continue;
    if (!mp.imageId) throw new InternalError(`image mount at ${mp.destination} has no image`, 'IMAGE_MOUNT_NO_IMAGE');
    const lowerDirs = await ctx.images.layerDirs(mp.imageId);
    const empty = path.join(path.dirname(mp.source), 'empty');
    if (lowerDirs.length < 2) await fs.mkdir(empty, { recursive: true });
    await mountOverlay({ lowerDirs: lowerDirs.length < 2 ? [...lowerDirs, empty] : lowerDirs, target: mp.source, ...(ctx.rootless ? { driver: ctx.rootless.storage } : {}) });
  }
}

/** After the container stopped (and before it is removed): its image mounts unmounted. Idempotent. */
export async function unmountImages(ctx: ContainerContext, rec: ContainerRecord): Promise<void> {
  for (const mp of mountPointsOf(rec)) {
    if (mp.type !== 'image') continue;
    await unmount(mp.source);
    // never left mounted under a directory that removal recurses into
    if (await isMounted(mp.source)) throw new InternalError(`container ${rec.id}: image mount ${mp.source} is still mounted`, 'IMAGE_MOUNT_BUSY');
  }
}

export async function dropVolumes(ctx: ContainerContext, names: string[]): Promise<void> {
  for (const n of names) await ctx.volumes.remove(n, { force: true }).catch((e) => ctx.logger.warn({ volume: n, err: errorMessage(e) }, 'volume cleanup failed'));
}

/** Mount points of a record made before volumes existed: its binds and --mount entries as given. */
export function legacyMountPoints(rec: ContainerRecord): MountPoint[] {
  const out: MountPoint[] = [];
  for (const b of rec.spec.host.binds) {
    try {
      out.push(parseBind(b));
    } catch {
      // a record that was accepted before keeps starting; an unparsable bind is skipped
    }
  }
  for (const m of rec.spec.host.mounts) {
    if (m.type === 'volume') continue;
    out.push({ type: m.type, name: '', source: m.source, destination: m.target, mode: '', rw: !m.readOnly, propagation: m.type === 'bind' ? 'rprivate' : '', copyData: false, anonymous: false, ...(m.options ? { options: m.options } : {}) });
  }
  return out;
}

export function mountPointsOf(rec: ContainerRecord): MountPoint[] {
  return rec.mountPoints ?? legacyMountPoints(rec);
}

/** `dst` inside `rootfs`, following the image's symlinks without leaving the rootfs (Docker's FollowSymlinkInScope). */
export async function resolveInRootfs(rootfs: string, dst: string): Promise<string> {
  const todo = dst.split('/').filter(Boolean);
  const done: string[] = [];
  let hops = 0;
  while (todo.length) {
    const part = todo.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      done.pop();
      continue;
    }
    const p = path.join(rootfs, ...done, part);
    const st = await fs.lstat(p).catch(() => undefined);
    if (st?.isSymbolicLink()) {
      if (++hops > 255) throw new InvalidArgumentError(`too many symlinks resolving ${dst}`, 'SYMLINK_LOOP');
      const target = await fs.readlink(p);
      if (target.startsWith('/')) done.length = 0;
      todo.unshift(...target.split('/').filter(Boolean));
      continue;
    }
    done.push(part);
  }
  return path.join(rootfs, ...done);
}

/** At start, with the rootfs mounted: device-option volumes mounted, empty volumes populated from the image. */
export async function prepareVolumes(ctx: ContainerContext, rec: ContainerRecord): Promise<void> {
  const remap = remapOf(ctx, rec);
  for (const mp of mountPointsOf(rec)) {
    if (mp.type !== 'volume') continue;
    const data = await ctx.volumes.activate(mp.name).catch((e) => {
      if (e instanceof NotFoundError) throw new NotFoundError('volume', mp.name, `error while mounting volume '${mp.source}': volume ${mp.name} is gone`);
      throw e;
    });
    if (mp.copyData) await ctx.volumes.copyUp(mp.name, await resolveInRootfs(rec.rootfs, mp.destination), mp.subpath);
    // dockerd keeps remapped volumes under the remapped root; an empty one here is handed to it
    if (remap) await chownToRemappedRoot(remap, [data]);
    ctx.events.publish({
      type: 'volume',
      action: 'mount',
      id: mp.name,
      attributes: { container: rec.id, destination: mp.destination, driver: 'local', propagation: mp.propagation, 'read/write': String(mp.rw) },
    });
  }
}

/**
 * API 1.45 VolumeOptions.Subpath (1.48 ImageOptions.Subpath): the mount's source becomes that path inside the
 * (active) volume or the mounted image; it must exist and its links must not lead out of it, as dockerd
 * requires (volume/subpath.ts).
 */
export async function withSubpaths(mps: MountPoint[]): Promise<MountPoint[]> {
  return Promise.all(
    mps.map(async (mp) => {
      if ((mp.type !== 'volume' && mp.type !== 'image') || !mp.subpath) return mp;
      return { ...mp, source: await volumeSubpath(mp.source, mp.subpath) };
    }),
  );
}

/** The runtime's bind/tmpfs mounts for a container's mount points. */
export function runtimeMounts(mps: MountPoint[]): RuntimeSpecInput['extraMounts'] {
  return mps.map((mp) => {
    if (mp.type === 'tmpfs') return { destination: mp.destination, source: 'tmpfs', type: 'tmpfs', options: ['nosuid', 'nodev', ...(mp.rw ? [] : ['ro']), ...(mp.options ?? [])] };
    const propagation = mp.type === 'bind' ? mp.propagation || 'rprivate' : 'rprivate';
    return { destination: mp.destination, source: mp.source, type: 'bind', options: ['rbind', propagation, mp.rw ? 'rw' : 'ro'] };
  });
}

/** After the container stopped: unmount device-option volumes no other running container uses. */
export async function releaseVolumes(ctx: ContainerContext, rec: ContainerRecord): Promise<void> {
  for (const mp of mountPointsOf(rec)) {
    if (mp.type !== 'volume') continue;
    const others = ctx.store.all().some((r) => r.id !== rec.id && isRunning(r.state.status) && mountPointsOf(r).some((m) => m.type === 'volume' && m.name === mp.name));
    await ctx.volumes.deactivate(mp.name, others).catch((e) => ctx.logger.warn({ volume: mp.name, err: errorMessage(e) }, 'volume unmount failed'));
    ctx.events.publish({ type: 'volume', action: 'unmount', id: mp.name, attributes: { container: rec.id, driver: 'local' } });
  }
}

/** `rm -v` / `--rm`: the container's anonymous volumes go unless another container still uses them. */
export async function removeAnonymousVolumes(ctx: ContainerContext, rec: ContainerRecord): Promise<void> {
  for (const mp of mountPointsOf(rec)) {
    if (mp.type !== 'volume' || !mp.anonymous) continue;
    await ctx.volumes.remove(mp.name, { force: true }).catch((e) => {
      // in use by another container (--volumes-from) is Docker's "not an error"
      if (!(e instanceof ConflictError)) ctx.logger.warn({ volume: mp.name, err: errorMessage(e) }, 'anonymous volume removal failed');
    });
  }
}

/** `docker rm`: refuse running containers unless forced; release everything; forget the record. */
import { promises as fs } from 'node:fs';
import { ConflictError, InternalError } from '../base/errors';
import { isMounted, unmount } from '../platform/mount';
import type { ContainerContext } from './context';
import { publishContainerEvent, underLock } from './context';
import { releaseRunning } from './release';
import { canKill, canRemove } from './status';
import { killLocked } from './stop';
import type { ContainerRecord } from './types';
import { removeAnonymousVolumes, unmountImages } from './mounts';

export async function removeContainer(ctx: ContainerContext, ref: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
  await underLock(ctx, ref, async (rec) => {
    if (!opts.force && !canRemove(rec.state.status)) {
      if (rec.state.status === 'removing') throw new ConflictError(`removal of container ${rec.id} is already in progress`, 'REMOVAL_IN_PROGRESS');
      throw new ConflictError(
        `cannot remove container "/${rec.name}": container is ${rec.state.status}: stop the container before removing or force remove`,
        'CONTAINER_RUNNING',
      );
    }
    // its exit is recorded here; removeLocked wakes the waiters, and nothing else follows an exit that ends in removal
    if (opts.force && canKill(rec.state.status)) await killLocked(ctx, rec, { all: true }).catch(() => undefined);
    await removeLocked(ctx, rec, opts);
  });
}

/** `volumes`: also remove the container's anonymous volumes (`rm -v`, and `--rm` containers). */
export async function removeLocked(ctx: ContainerContext, rec: ContainerRecord, opts: { force?: boolean; volumes?: boolean }): Promise<void> {
  if (!ctx.store.get(rec.id)) return;
  const code = rec.state.exitCode;
  const wasRunning = rec.state.status !== 'exited' && rec.state.status !== 'created';
  rec.state.status = 'removing';
  await ctx.store.save(rec);
  // an exited container was released when it exited; only a leftover mount can remain
  if (wasRunning) await releaseRunning(ctx, rec);
  else if (await isMounted(rec.rootfs)) await unmount(rec.rootfs);
  // image mounts sit in the container's directory too (a leftover of a daemon killed mid-start): refuses when one stays
  await unmountImages(ctx, rec);
  ctx.attachHub.finishAll(rec.id);
  // Never recurse into a rootfs that is still mounted: that would delete through the overlay.
  if (await isMounted(rec.rootfs)) throw new InternalError(`container ${rec.id}: rootfs is still mounted`, 'ROOTFS_BUSY');
  await fs.rm(rec.rootfs, { recursive: true, force: true }).catch(() => undefined);
  await ctx.logs.forget(rec.id);
  await ctx.store.delete(rec.id);
  if (opts.volumes) await removeAnonymousVolumes(ctx, rec);
  publishContainerEvent(ctx, rec, 'destroy');
  ctx.supervisor.notifyRemoved(rec.id, code);
}

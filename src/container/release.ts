/** Releasing what a running container held (runtime state, network, rootfs mount, bundle), and recording its exit. */
import { promises as fs } from 'node:fs';
import { unmount } from '../platform/mount';
import { readOomKills } from '../platform/cgroups';
import { bundleDir, cgroupsPathOf, publishContainerEvent, type ContainerContext } from './context';
import type { ContainerRecord } from './types';
import { releaseVolumes, unmountImages } from './mounts';

/**
 * Release everything a running container held. Idempotent: used by exit handling and boot repair.
 * The three parts are independent once the container's processes are gone, so they run side by side.
 */
export async function releaseRunning(ctx: ContainerContext, rec: ContainerRecord): Promise<void> {
  const warn = (what: string) => (e: unknown) => ctx.logger.warn({ id: rec.id, err: String(e) }, `${what} failed`);
  await Promise.all([
    ctx.runtime.delete(rec.id, true).catch(warn('runtime delete')).then(() => ctx.runtime.cleanup(rec.id).catch(() => undefined)),
    ctx.networking.teardown(rec).catch(warn('network teardown')),
    unmount(rec.rootfs).catch(warn('rootfs unmount')),
  ]);
  await unmountImages(ctx, rec).catch(warn('image mount unmount'));
  await releaseVolumes(ctx, rec);
  await fs.rm(bundleDir(ctx, rec.id), { recursive: true, force: true });
}

/**
 * Records an exit; the caller holds the container's lock. False when it was recorded already.
 * `then` is `restarting` when the restart policy will start it again (never seen `exited` in between).
 */
export async function recordExit(ctx: ContainerContext, rec: ContainerRecord, exitCode: number, then: 'exited' | 'restarting' = 'exited'): Promise<boolean> {
  if (rec.state.status !== 'running' && rec.state.status !== 'paused') return false;
  // read before the runtime's delete takes the cgroup away
  const oomKilled = (await readOomKills(cgroupsPathOf(rec.id)).catch(() => 0)) > 0;
  await releaseRunning(ctx, rec);
  const finishedAt = new Date();
  rec.state = { ...rec.state, status: then, pid: 0, exitCode, oomKilled, finishedAt: finishedAt.toISOString() };
  await ctx.store.save(rec);
  if (oomKilled) publishContainerEvent(ctx, rec, 'oom');
  // as dockerd (since 23): how long it ran, in whole seconds
  const execDuration = Math.max(0, Math.trunc((finishedAt.getTime() - Date.parse(rec.state.startedAt)) / 1000));
  publishContainerEvent(ctx, rec, 'die', { exitCode: String(exitCode), execDuration: String(Number.isFinite(execDuration) ? execDuration : 0) });
  return true;
}

/** Releasing what a running container held: runtime state, network, rootfs mount, bundle. */
import { promises as fs } from 'node:fs';
import { unmount } from '../platform/mount';
import { bundleDir, type ContainerContext } from './context';
import type { ContainerRecord } from './types';

/** Release everything a running container held. Idempotent: used by exit handling and boot repair. */
export async function releaseRunning(ctx: ContainerContext, rec: ContainerRecord): Promise<void> {
  await ctx.runtime.delete(rec.id, true).catch((e: unknown) => ctx.logger.warn({ id: rec.id, err: String(e) }, 'runtime delete failed'));
  await ctx.runtime.cleanup(rec.id).catch(() => undefined);
  await ctx.networking.teardown(rec).catch((e: unknown) => ctx.logger.warn({ id: rec.id, err: String(e) }, 'network teardown failed'));
  await unmount(rec.rootfs).catch((e: unknown) => ctx.logger.warn({ id: rec.id, err: String(e) }, 'rootfs unmount failed'));
  await fs.rm(bundleDir(ctx, rec.id), { recursive: true, force: true });
}


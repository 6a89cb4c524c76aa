/**
 * Boot reconciliation: containers keep running under conmon while the daemon
 * is away. At start we adopt the live ones, record exits that happened while
 * we were gone, and release leftovers of containers that are not running.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ContainerContext } from './context';
import { handleExit } from './exit';
import { releaseRunning } from './release';
import { isMounted, unmount } from '../platform/mount';
import { removeLocked } from './remove';
import { unmountImages } from './mounts';

export async function recoverContainers(ctx: ContainerContext): Promise<void> {
  for (const rec of ctx.store.all()) {
    const st = rec.state.status;
    if (st === 'removing') {
      await removeLocked(ctx, rec, { force: true, volumes: rec.spec.host.autoRemove }).catch((e) => ctx.logger.warn({ id: rec.id, err: String(e) }, 'finishing removal failed'));
      continue;
    }
    if (st === 'running' || st === 'paused') {
      const rs = await ctx.runtime.state(rec.id).catch(() => undefined);
      if (rs && (rs.status === 'running' || rs.status === 'paused')) {
        rec.state.status = rs.status;
        rec.state.pid = rs.pid;
        ctx.logs.pump(rec); // catches up on what conmon wrote while we were away
        continue; // adopted
      }
      const code = (await ctx.runtime.exitCode(rec.id)) ?? 255;
      await handleExit(ctx, rec, code);
      if (ctx.store.get(rec.id)) ctx.logs.pump(rec);
      continue;
    }
    if (st === 'restarting') {
      rec.state.status = 'exited';
      await ctx.store.save(rec);
    }
    // created/exited: nothing may be left mounted or registered with the runtime
    if (await isMounted(rec.rootfs)) await releaseRunning(ctx, rec);
    else await unmountImages(ctx, rec).catch((e) => ctx.logger.warn({ id: rec.id, err: String(e) }, 'image mount unmount failed'));
    ctx.logs.pump(rec); // output of a container that ended while we were away, if any is unread
  }
  await removeOrphans(ctx);
}

/** Bundles and mounts of containers we have no record of (a crash in the middle of create or rm). */
async function removeOrphans(ctx: ContainerContext): Promise<void> {
  const known = new Set(ctx.store.all().map((r) => r.id));
  const bundles = path.join(ctx.execRoot, 'containers');
  for (const id of await fs.readdir(bundles).catch(() => [] as string[])) {
    if (known.has(id)) continue;
    await ctx.runtime.delete(id, true).catch(() => undefined);
    await ctx.runtime.cleanup(id).catch(() => undefined);
    await fs.rm(path.join(bundles, id), { recursive: true, force: true });
  }
  const mounts = await fs.readFile('/proc/self/mountinfo', 'utf8');
  const prefix = ctx.store.dir + '/';
  for (const line of mounts.split('\n')) {
    const mp = line.split(' ')[4];
    if (!mp || !mp.startsWith(prefix)) continue;
    const id = mp.slice(prefix.length).split('/')[0]!;
    if (!known.has(id)) await unmount(mp).catch(() => undefined);
  }
}

/** After recovery: restart containers whose policy says so (always, unless-stopped). */
export async function restartPolicyOnBoot(ctx: ContainerContext, start: (id: string) => Promise<void>): Promise<void> {
  for (const rec of ctx.store.all()) {
    const p = rec.spec.host.restartPolicy.name;
    if (rec.state.status !== 'exited') continue;
    if (p === 'always' || (p === 'unless-stopped' && !rec.state.stoppedByUser)) {
      await start(rec.id).catch((e) => ctx.logger.warn({ id: rec.id, err: String(e) }, 'restart on boot failed'));
    }
  }
}

/**
 * What happens when a container's process ends (observed by the supervisor,
 * or found at boot): record it, release mounts/network/runtime state, wake
 * waiters, then --rm or the restart policy.
 */
import type { ContainerContext } from './context';
import { publishContainerEvent } from './context';
import { cgroupsPathOf, startLocked } from './start';
import { readOomKills } from '../platform/cgroups';
import { releaseRunning } from './release';
import type { ContainerRecord } from './types';
import { removeLocked } from './remove';
import { sleep } from '../base/async';

/** Docker's rule for whether a restart policy fires after an exit. */
export function shouldRestart(rec: ContainerRecord, exitCode: number): boolean {
  const p = rec.spec.host.restartPolicy;
  if (rec.state.stoppedByUser) return false;
  switch (p.name) {
    case 'always':
    case 'unless-stopped':
      return true;
    case 'on-failure':
      return exitCode !== 0 && (p.maximumRetryCount === 0 || rec.state.restartCount < p.maximumRetryCount);
    default:
      return false;
  }
}

export async function handleExit(ctx: ContainerContext, rec: ContainerRecord, exitCode: number): Promise<void> {
  await ctx.locks.run(rec.id, async () => {
    if (rec.state.status !== 'running' && rec.state.status !== 'paused') return;
    // read before the runtime's delete takes the cgroup away
    const oomKilled = (await readOomKills(cgroupsPathOf(rec.id)).catch(() => 0)) > 0;
    await releaseRunning(ctx, rec);
    rec.state = { ...rec.state, status: 'exited', pid: 0, exitCode, oomKilled, finishedAt: new Date().toISOString() };
    await ctx.store.save(rec);
    if (oomKilled) publishContainerEvent(ctx, rec, 'oom');
    publishContainerEvent(ctx, rec, 'die', { exitCode: String(exitCode) });
  });
  ctx.supervisor.notifyExit(rec.id, exitCode);
  if (rec.spec.host.autoRemove) {
    await ctx.locks.run(rec.id, () => removeLocked(ctx, rec, { force: true, volumes: true })).catch((e) =>
      ctx.logger.warn({ id: rec.id, err: String(e) }, 'auto-remove failed'),
    );
    return;
  }
  if (shouldRestart(rec, exitCode)) void restartLater(ctx, rec);
}

async function restartLater(ctx: ContainerContext, rec: ContainerRecord): Promise<void> {
  // Docker's backoff: 100ms doubling, reset after 10s of uptime.
  const ran = Date.now() - Date.parse(rec.state.startedAt);
  const delay = ran > 10_000 ? 100 : Math.min(100 * 2 ** rec.state.restartCount, 60_000);
  rec.state.status = 'restarting';
  await ctx.store.save(rec).catch(() => undefined);
  await sleep(delay);
  await ctx.locks.run(rec.id, async () => {
    if (!ctx.store.get(rec.id) || rec.state.status !== 'restarting' || rec.state.stoppedByUser) {
      if (ctx.store.get(rec.id) && rec.state.status === 'restarting') {
        rec.state.status = 'exited';
        await ctx.store.save(rec);
      }
      return;
    }
    rec.state.status = 'exited';
    rec.state.restartCount++;
    try {
      await startLocked(ctx, rec);
      publishContainerEvent(ctx, rec, 'restart');
    } catch (e) {
      ctx.logger.warn({ id: rec.id, err: String(e) }, 'restart failed');
      await ctx.store.save(rec).catch(() => undefined);
    }
  });
}

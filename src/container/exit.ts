/**
 * What happens when a container's process ends (observed by the supervisor,
 * or found at boot): record it, release mounts/network/runtime state, wake
 * waiters, then --rm or the restart policy.
 */
import type { ContainerContext } from './context';
import { publishContainerEvent } from './context';
import { startLocked } from './start';
import { recordExit } from './release';
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

/** `pid`: the run that ended, when known; the lock may come after a stop and a new start (restart), whose run this exit is not. */
export async function handleExit(ctx: ContainerContext, rec: ContainerRecord, exitCode: number, pid?: number): Promise<void> {
  // a stop or kill holding the lock may have recorded this exit already, and run what follows it
  const recorded = await ctx.locks.run(rec.id, async () => {
    if (pid !== undefined && rec.state.pid !== pid) return false;
    // a restart to come shows from the exit on, as dockerd's: `restarting`, never `exited` between the runs
    return recordExit(ctx, rec, exitCode, !rec.spec.host.autoRemove && shouldRestart(rec, exitCode) ? 'restarting' : 'exited');
  });
  if (recorded) await afterExit(ctx, rec, exitCode);
}

/** What follows a recorded exit, outside the lock: waiters woken, then --rm or the restart policy. */
export async function afterExit(ctx: ContainerContext, rec: ContainerRecord, exitCode: number | undefined): Promise<void> {
  if (exitCode === undefined) return;
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
  const pending = await ctx.locks.run(rec.id, async () => {
    // a user may have started, stopped or removed it since the exit
    if (!ctx.store.get(rec.id) || (rec.state.status !== 'exited' && rec.state.status !== 'restarting') || rec.state.stoppedByUser) return false;
    rec.state.status = 'restarting';
    await ctx.store.save(rec).catch(() => undefined);
    return true;
  });
  if (!pending) return;
  await sleep(delay, ctx.closing);
  // closed meanwhile: the record stays 'restarting'; the next boot makes it exited and applies the policy
  if (ctx.closing.aborted) return;
  await ctx.locks.run(rec.id, async () => {
    if (ctx.closing.aborted || !ctx.store.get(rec.id) || rec.state.status !== 'restarting' || rec.state.stoppedByUser) {
      if (ctx.store.get(rec.id) && rec.state.status === 'restarting') {
        rec.state.status = 'exited';
        await ctx.store.save(rec);
      }
      return;
    }
    rec.state.restartCount++;
    try {
      // still `restarting` while it starts (inspect must not see it exited in between)
      await startLocked(ctx, rec, { fromRestarting: true });
      publishContainerEvent(ctx, rec, 'restart');
    } catch (e) {
      ctx.logger.warn({ id: rec.id, err: String(e) }, 'restart failed');
      rec.state.status = 'exited';
      await ctx.store.save(rec).catch(() => undefined);
    }
  });
}

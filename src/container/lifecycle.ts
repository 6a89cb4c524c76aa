/**
 * `docker kill`, `docker stop` and `docker restart`: each acts under the container's lock and
 * checks the state once it holds it; what follows a recorded exit runs after the lock is let go.
 */
import { ConflictError, NotModifiedError } from '../base/errors';
import type { ContainerContext } from './context';
import { publishContainerEvent, underLock } from './context';
import { afterExit } from './exit';
import { startLocked } from './start';
import { canKill } from './status';
import { isSigkill, killLocked, normalizeSignal, signalContainer, signalNumber, stopLocked, validateSignal } from './stop';
import type { ContainerRecord } from './types';

/** With SIGKILL it returns once the exit is recorded, as dockerd does; other signals are only sent. */
export async function killContainer(ctx: ContainerContext, ref: string, signal?: string): Promise<void> {
  if (signal) validateSignal(signal);
  const sig = normalizeSignal(signal);
  let rec: ContainerRecord | undefined;
  const code = await underLock(ctx, ref, async (r) => {
    rec = r;
    if (!canKill(r.state.status)) throw new ConflictError(`container ${r.id} is not running`, 'CONTAINER_NOT_RUNNING');
    if (isSigkill(sig)) return killLocked(ctx, r, { all: false });
    // dockerd's ExitOnNext: the container's stop signal (any signal when it names none) ends it for good;
    // another signal leaves the restart policy to act on the exit it may cause
    const stopSig = r.spec.stopSignal;
    if (!stopSig || signalNumber(normalizeSignal(stopSig)) === signalNumber(sig)) {
      r.state.stoppedByUser = true;
      await ctx.store.save(r);
    }
    await signalContainer(ctx, r, sig, false);
    return undefined;
  });
  await afterExit(ctx, rec!, code);
}

export async function stopContainer(ctx: ContainerContext, ref: string, opts: { timeout?: number; signal?: string } = {}): Promise<void> {
  let rec: ContainerRecord | undefined;
  const code = await underLock(ctx, ref, async (r) => {
    rec = r;
    if (r.state.status === 'restarting') {
      // a restart-policy start is pending: it finds the container stopped by the user
      r.state.stoppedByUser = true;
      r.state.status = 'exited';
      await ctx.store.save(r);
      return undefined;
    }
    if (!canKill(r.state.status)) throw new NotModifiedError('container already stopped', 'ALREADY_STOPPED');
    return stopLocked(ctx, r, opts);
  });
  await afterExit(ctx, rec!, code);
}

/** Stop and start under one lock; as in dockerd, the stop half neither removes an --rm container nor runs its restart policy. */
export async function restartContainer(ctx: ContainerContext, ref: string, opts: { timeout?: number; signal?: string } = {}): Promise<void> {
  let rec: ContainerRecord | undefined;
  let code: number | undefined;
  try {
    await underLock(ctx, ref, async (r) => {
      rec = r;
      if (canKill(r.state.status)) code = await stopLocked(ctx, r, opts);
      else if (r.state.status === 'restarting') r.state.status = 'exited';
      await startLocked(ctx, r);
      publishContainerEvent(ctx, r, 'restart');
    });
  } finally {
    if (code !== undefined) ctx.supervisor.notifyExit(rec!.id, code);
  }
}

/** `docker stop` and `docker kill`: signals through the runtime, waiting on the supervisor for the exit. */
import { constants } from 'node:os';
import { ConflictError, NotModifiedError } from '../base/errors';
import type { ContainerContext } from './context';
import { publishContainerEvent } from './context';
import { canKill } from './status';
import type { ContainerRecord } from './types';

export function normalizeSignal(sig: string | undefined, fallback = 'SIGKILL'): string {
  if (!sig) return fallback;
  if (/^\d+$/.test(sig)) return sig;
  const s = sig.toUpperCase();
  return s.startsWith('SIG') ? s : `SIG${s}`;
}

/** The number dockerd puts in a kill event's `signal` attribute ("SIGTERM" → "15"). */
export function signalNumber(sig: string): string {
  if (/^\d+$/.test(sig)) return sig;
  const n = (constants.signals as Record<string, number | undefined>)[sig];
  return n === undefined ? sig.replace(/^SIG/, '') : String(n);
}

export async function killContainer(ctx: ContainerContext, ref: string, signal?: string): Promise<void> {
  const rec = ctx.store.resolve(ref);
  if (!canKill(rec.state.status)) throw new ConflictError(`Container ${rec.id} is not running`, 'CONTAINER_NOT_RUNNING');
  const sig = normalizeSignal(signal);
  if (sig === 'SIGKILL' || sig === '9') rec.state.stoppedByUser = true;
  await ctx.runtime.kill(rec.id, sig, false).catch(async (e) => {
    // The process may have exited between our check and the signal.
    const code = await ctx.runtime.exitCode(rec.id);
    if (code === undefined) throw e;
  });
  publishContainerEvent(ctx, rec, 'kill', { signal: signalNumber(sig) });
}

export async function stopContainer(ctx: ContainerContext, ref: string, opts: { timeout?: number; signal?: string } = {}): Promise<void> {
  const rec = ctx.store.resolve(ref);
  if (rec.state.status === 'restarting') {
    rec.state.stoppedByUser = true;
    rec.state.status = 'exited';
    await ctx.store.save(rec);
    return;
  }
  if (!canKill(rec.state.status)) throw new NotModifiedError('container already stopped', 'ALREADY_STOPPED');
  await stopRunning(ctx, rec, opts);
}

/** Signal, wait up to the timeout, then SIGKILL, and wait for the supervisor to record the exit. */
export async function stopRunning(ctx: ContainerContext, rec: ContainerRecord, opts: { timeout?: number; signal?: string }): Promise<void> {
  rec.state.stoppedByUser = true;
  await ctx.store.save(rec);
  const timeout = opts.timeout ?? rec.spec.stopTimeout ?? 10;
  const exited = ctx.supervisor.waitExit(rec.id);
  if (rec.state.status === 'paused') await ctx.runtime.resume(rec.id).catch(() => undefined);
  const sig = normalizeSignal(opts.signal ?? rec.spec.stopSignal, 'SIGTERM');
  // dockerd reports each signal a stop sends as a kill event, then die, then stop
  if (timeout !== 0) {
    await ctx.runtime.kill(rec.id, sig, false).catch(() => undefined);
    publishContainerEvent(ctx, rec, 'kill', { signal: signalNumber(sig) });
  }
  const graceful = timeout < 0 ? await exited.then(() => true) : await raceTimeout(exited, timeout * 1000);
  if (!graceful) {
    await ctx.runtime.kill(rec.id, 'SIGKILL', true).catch(() => undefined);
    publishContainerEvent(ctx, rec, 'kill', { signal: '9' });
    await raceTimeout(exited, 10_000);
  }
  // In case inotify missed the exit file, look now.
  if (rec.state.status === 'running') await ctx.supervisor.check(rec.id);
  publishContainerEvent(ctx, rec, 'stop');
}

function raceTimeout(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    p.then(() => {
      clearTimeout(t);
      resolve(true);
    }, () => resolve(false));
  });
}

/**
 * Stopping and killing under the container's lock (held by the caller): the exit is recorded
 * before the lock goes, as dockerd answers only once the container is stopped. The exit
 * handler, which waits for that lock, then finds it recorded.
 */
import { constants } from 'node:os';
import { InternalError, InvalidArgumentError } from '../base/errors';
import type { ContainerContext } from './context';
import { publishContainerEvent } from './context';
import { recordExit } from './release';
import type { ContainerRecord } from './types';

export function normalizeSignal(sig: string | undefined, fallback = 'SIGKILL'): string {
  if (!sig) return fallback;
  if (/^\d+$/.test(sig)) return sig;
  const s = sig.toUpperCase();
  return s.startsWith('SIG') ? s : `SIG${s}`;
}

/**
 * moby's signal.ParseSignal + ValidSignalForPlatform: a number 1-64, or a name with or without SIG (node's
 * table plus the real-time names dockerd knows). Checked before the container is looked up, as dockerd does.
 */
export function validateSignal(raw: string): void {
  if (/^[+-]?\d+$/.test(raw)) {
    const n = Number(raw);
    if (n === 0) throw new InvalidArgumentError(`invalid signal: ${raw}`, 'INVALID_SIGNAL');
    if (n < 1 || n > 64) throw new InvalidArgumentError(`the linux daemon does not support signal ${n}`, 'INVALID_SIGNAL');
    return;
  }
  const name = raw.toUpperCase().replace(/^SIG/, '');
  const known = `SIG${name}` in constants.signals || name === 'CLD' || /^RTMIN(\+([1-9]|1[0-5]))?$|^RTMAX(-([1-9]|1[0-4]))?$/.test(name);
  if (!known) throw new InvalidArgumentError(`invalid signal: ${raw}`, 'INVALID_SIGNAL');
}

/** The number dockerd puts in a kill event's `signal` attribute ("SIGTERM" → "15"). */
export function signalNumber(sig: string): string {
  if (/^\d+$/.test(sig)) return sig;
  const n = (constants.signals as Record<string, number | undefined>)[sig];
  return n === undefined ? sig.replace(/^SIG/, '') : String(n);
}

export const isSigkill = (sig: string): boolean => sig === 'SIGKILL' || sig === '9';

/**
 * Signal, wait up to the timeout, then SIGKILL; the exit is recorded here (the caller holds the
 * lock and runs `afterExit` once it let it go). Returns the exit code.
 */
export async function stopLocked(ctx: ContainerContext, rec: ContainerRecord, opts: { timeout?: number; signal?: string }): Promise<number> {
  rec.state.stoppedByUser = true;
  await ctx.store.save(rec);
  const timeout = opts.timeout ?? rec.spec.stopTimeout ?? 10;
  const code = await watchExit(ctx, rec.id, async (exited) => {
    if (rec.state.status === 'paused') await ctx.runtime.resume(rec.id).catch(() => undefined);
    const sig = normalizeSignal(opts.signal ?? rec.spec.stopSignal, 'SIGTERM');
    // dockerd reports each signal a stop sends as a kill event, then die, then stop
    if (timeout !== 0) {
      await ctx.runtime.kill(rec.id, sig, false).catch(() => undefined);
      publishContainerEvent(ctx, rec, 'kill', { signal: signalNumber(sig) });
      const c = await exited(timeout < 0 ? -1 : timeout * 1000);
      if (c !== undefined) return c;
    }
    // runc signals every process through the cgroup: without one (rootless, no delegation) the init's death ends its pid namespace
    await ctx.runtime.kill(rec.id, 'SIGKILL', ctx.rootless?.cgroups.kind !== 'none').catch(() => undefined);
    publishContainerEvent(ctx, rec, 'kill', { signal: '9' });
    return exited(KILL_WAIT_MS);
  });
  if (code === undefined) throw new InternalError(`tried to kill container ${rec.id}, but did not receive an exit event`, 'NO_EXIT_EVENT');
  await recordExit(ctx, rec, code);
  publishContainerEvent(ctx, rec, 'stop');
  return code;
}

/**
 * SIGKILL and the exit recorded, under the caller's lock (`all`: every process of the container,
 * as rm -f wants). Returns the exit code, or undefined when no exit came.
 */
export async function killLocked(ctx: ContainerContext, rec: ContainerRecord, opts: { all: boolean }): Promise<number | undefined> {
  rec.state.stoppedByUser = true;
  const code = await watchExit(ctx, rec.id, async (exited) => {
    await signalContainer(ctx, rec, 'SIGKILL', opts.all);
    // a frozen cgroup holds the signal until it thaws
    if (rec.state.status === 'paused') await ctx.runtime.resume(rec.id).catch(() => undefined);
    return exited(KILL_WAIT_MS);
  });
  if (code !== undefined) await recordExit(ctx, rec, code);
  return code;
}

/** How long an exit may take after SIGKILL before the caller gives up on it. */
const KILL_WAIT_MS = 10_000;

export async function signalContainer(ctx: ContainerContext, rec: ContainerRecord, sig: string, all: boolean): Promise<void> {
  await ctx.runtime.kill(rec.id, sig, all).catch(async (e) => {
    // The process may have exited between our check and the signal.
    const code = await ctx.runtime.exitCode(rec.id);
    if (code === undefined) throw e;
  });
  publishContainerEvent(ctx, rec, 'kill', { signal: signalNumber(sig) });
}

/**
 * Runs `body` with `exited(ms)`: the exit code once the exit file is there, or undefined after
 * `ms` (negative: no limit). Listens before `body` signals, so no exit is missed.
 */
async function watchExit<T>(ctx: ContainerContext, id: string, body: (exited: (ms: number) => Promise<number | undefined>) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const code = ctx.supervisor.exitCode(id, ac.signal);
  code.catch(() => undefined);
  try {
    return await body((ms) => raceTimeout(code, ms));
  } finally {
    ac.abort();
  }
}

function raceTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve) => {
    const t = ms < 0 ? undefined : setTimeout(() => resolve(undefined), ms);
    p.then((v) => {
      clearTimeout(t);
      resolve(v);
    }, () => resolve(undefined));
  });
}

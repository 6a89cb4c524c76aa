/**
 * Watches conmon's exit files and turns them into state: exit code, cleanup of
 * mounts and runtime state, waiters woken, --rm honoured, restart policies run.
 */
import { watch, promises as fs, type FSWatcher } from 'node:fs';
import type { Logger } from '../base/logger';
import type { ContainerRecord } from './types';

export interface ExitHandler {
  /** called once per exit of a running container; `pid`: the run it ended, as the record had it when the exit was seen */
  onExit(rec: ContainerRecord, exitCode: number, pid: number): Promise<void>;
}

type Waiter = (code: number) => void;

export class Supervisor {
  private watcher: FSWatcher | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly exitWaiters = new Map<string, Set<Waiter>>();
  private readonly removeWaiters = new Map<string, Set<Waiter>>();
  private readonly codeWaiters = new Map<string, Set<Waiter>>();
  private readonly handling = new Set<string>();
  private handler: ExitHandler | undefined;

  constructor(
    private readonly exitDir: string,
    private readonly running: () => ContainerRecord[],
    private readonly exitCodeOf: (id: string) => Promise<number | undefined>,
    private readonly logger: Logger,
  ) {}

  async startWatching(handler: ExitHandler): Promise<void> {
    this.handler = handler;
    await fs.mkdir(this.exitDir, { recursive: true });
    this.watcher = watch(this.exitDir, (_ev, file) => {
      if (file) void this.check(String(file));
    });
    this.watcher.on('error', (e) => this.logger.warn({ err: String(e) }, 'exit dir watch failed'));
    // inotify can miss events under load; a slow sweep is the safety net.
    this.sweepTimer = setInterval(() => void this.sweep(), 2000);
    this.sweepTimer.unref();
    await this.sweep();
  }

  stop(): void {
    this.watcher?.close();
    if (this.sweepTimer) clearInterval(this.sweepTimer);
  }

  async sweep(): Promise<void> {
    for (const rec of this.running()) await this.check(rec.id);
  }

  /** Handle the exit of `id` if its exit file exists and it is still marked running. */
  async check(id: string): Promise<void> {
    if (this.handling.has(id)) return;
    const rec = this.running().find((r) => r.id === id);
    if (!rec) return;
    const pid = rec.state.pid;
    const code = await this.exitCodeOf(id);
    if (code === undefined) return;
    notify(this.codeWaiters, id, code);
    if (this.handling.has(id)) return;
    this.handling.add(id);
    try {
      await this.handler?.onExit(rec, code, pid);
    } catch (e) {
      this.logger.error({ id, err: String(e) }, 'exit handling failed');
    } finally {
      this.handling.delete(id);
    }
  }

  waitExit(id: string, signal?: AbortSignal): Promise<number> {
    return addWaiter(this.exitWaiters, id, signal);
  }

  /**
   * The exit code of `id` once its exit file exists, before the exit is handled: for callers
   * holding the container's lock, which the exit handler waits for.
   */
  async exitCode(id: string, signal: AbortSignal): Promise<number> {
    const p = addWaiter(this.codeWaiters, id, signal);
    // an exit file that was there before we listened (its handler may be waiting for our lock)
    const now = await this.exitCodeOf(id);
    if (now !== undefined) notify(this.codeWaiters, id, now);
    return p;
  }

  waitRemoved(id: string, signal?: AbortSignal): Promise<number> {
    return addWaiter(this.removeWaiters, id, signal);
  }

  notifyExit(id: string, code: number): void {
    notify(this.exitWaiters, id, code);
  }

  notifyRemoved(id: string, code: number): void {
    notify(this.exitWaiters, id, code);
    notify(this.removeWaiters, id, code);
  }
}

function addWaiter(map: Map<string, Set<Waiter>>, id: string, signal?: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    let set = map.get(id);
    if (!set) map.set(id, (set = new Set()));
    const w: Waiter = (c) => resolve(c);
    set.add(w);
    signal?.addEventListener('abort', () => {
      set!.delete(w);
      if (set!.size === 0 && map.get(id) === set) map.delete(id);
      reject(signal.reason ?? new Error('aborted'));
    }, { once: true });
  });
}

function notify(map: Map<string, Set<Waiter>>, id: string, code: number): void {
  const set = map.get(id);
  if (!set) return;
  map.delete(id);
  for (const w of set) w(code);
}

/**
 * Logging per container: runs a pump (pump.ts) from conmon's staging file into the container's driver
 * while the container runs, and once after a daemon restart to catch up; serves `docker logs` from the
 * driver's files once the pump has caught up.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { NotImplementedError } from '../../base/errors';
import type { EventBus } from '../../base/events';
import type { Logger } from '../../base/logger';
import type { ContainerRuntime } from '../../runtime/types';
import type { ContainerRecord, LogEntry, LogsOptions } from '../types';
import { canKill, isRunning } from '../status';
import { LogPump, STAGING_MAX } from './pump';
import { readLogFiles } from './reader';
import { createSink, logFilesOf } from './sinks';
import type { HostFacts } from './config';

export interface ContainerLogsDeps {
  runtime: ContainerRuntime;
  events: EventBus;
  logger: Logger;
  containerDir: (id: string) => string;
  /** the live record (undefined once removed) */
  record: (id: string) => ContainerRecord | undefined;
  imageName: (rec: ContainerRecord) => string;
}

/** Where journald runs, the journald driver can ship to it. */
export function logHostFacts(): HostFacts {
  return { journald: existsSync('/run/systemd/journal/socket') && existsSync('/usr/bin/systemd-cat') };
}

export class ContainerLogs {
  private readonly pumps = new Map<string, LogPump>();
  /** after close() no pump starts: a stopped pump of a running container would otherwise start a new one */
  private closed = false;

  constructor(private readonly d: ContainerLogsDeps) {}

  private staging(id: string): string {
    return path.join(this.d.containerDir(id), 'conmon.log');
  }

  /** What conmon is told to do with the container's output. */
  runtimeLog(rec: ContainerRecord): { driver: 'k8s-file'; path: string; sizeMax?: number } | { driver: 'none' } {
    if (!rec.logConfig) return { driver: 'k8s-file', path: rec.logPath };
    if (rec.logConfig.type === 'none') return { driver: 'none' };
    return { driver: 'k8s-file', path: this.staging(rec.id), sizeMax: STAGING_MAX };
  }

  /**
   * Runs the container's pump unless it runs already (start, boot recovery, a catch-up). A pump lives while
   * a process writes (running, paused): not through a restart policy's back-off, whose start makes a new one.
   */
  pump(rec: ContainerRecord): void {
    if (this.closed || !rec.logConfig || rec.logConfig.type === 'none') return;
    const running = this.pumps.get(rec.id);
    if (running) return running.poke();
    const dir = this.d.containerDir(rec.id);
    if (!canKill(rec.state.status) && !existsSync(this.staging(rec.id)) && !existsSync(`${this.staging(rec.id)}.old`)) return;
    const p = new LogPump({
      staging: this.staging(rec.id),
      statePath: path.join(dir, 'log-pump.json'),
      sink: createSink(rec, dir, this.d.imageName(rec), this.d.logger),
      live: () => {
        const r = this.d.record(rec.id);
        return r !== undefined && canKill(r.state.status);
      },
      reopen: () => this.d.runtime.reopenLog(rec.id),
      onEnd: (wake) => this.d.events.subscribe((e) => {
        if (e.type === 'container' && e.id === rec.id && (e.action === 'die' || e.action === 'destroy')) wake();
      }),
      logger: this.d.logger,
    });
    this.pumps.set(rec.id, p);
    void p.done.then(() => {
      if (this.pumps.get(rec.id) === p) this.pumps.delete(rec.id);
      // a start that came while the pump was finishing found it still there: it needs a new one
      const now = this.d.record(rec.id);
      if (now && canKill(now.state.status)) this.pump(now);
    });
  }

  /** Waits for a pump that is finishing (a start must not have conmon open a staging file the pump removes). */
  async settle(id: string): Promise<void> {
    await this.pumps.get(id)?.done;
  }

  /** Stops the container's pump (before its files are removed). */
  async forget(id: string): Promise<void> {
    await this.pumps.get(id)?.stop();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.pumps.values()].map((p) => p.stop()));
  }

  read(rec: ContainerRecord, opts: LogsOptions): AsyncIterable<LogEntry> {
    const files = logFilesOf(rec, this.d.containerDir(rec.id));
    if (!files) throw new NotImplementedError('configured logging driver does not support reading', 'LOGS_NOT_SUPPORTED');
    const self = this;
    return (async function* () {
      // what conmon wrote before the request is in the driver's files before we read them
      await self.pumps.get(rec.id)?.caughtUp();
      yield* readLogFiles(files.file, files.parse, {
        since: opts.since,
        until: opts.until,
        tail: opts.tail,
        follow: opts.follow,
        isLive: () => {
          const r = self.d.record(rec.id);
          return (r !== undefined && isRunning(r.state.status)) || self.pumps.has(rec.id);
        },
        // without it a follower would notice the end only at its next 250 ms poll (each build RUN paid that)
        onEnd: (wake) => {
          const off = self.d.events.subscribe((e) => {
            if (e.type === 'container' && e.id === rec.id && (e.action === 'die' || e.action === 'destroy')) wake();
          });
          const p = self.pumps.get(rec.id);
          let on = true;
          void p?.done.then(() => on && wake());
          return () => {
            on = false;
            off();
          };
        },
        signal: opts.signal,
      });
    })();
  }
}

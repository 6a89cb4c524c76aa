/**
 * The log pump: conmon writes a container's output to a staging file in k8s-file form
 * (`<containerDir>/conmon.log`), and the pump, in the daemon, reads it from where it left off and
 * hands each record to the container's driver (json-file, local, a remote sink). The read position
 * is kept in `log-pump.json`, so a daemon that was away catches up on what conmon wrote meanwhile,
 * and the container never waits for the daemon.
 *
 * The staging file is kept small: once the pump has read STAGING_ROTATE bytes of conmon's current file
 * it renames it to `conmon.log.old` and asks conmon (ctl fifo) to reopen its log, finishes the old file
 * through its open fd and deletes it. When nobody rotates it in time (the daemon is away, or the pump is
 * behind), conmon's --log-size-max (STAGING_MAX) replaces the file when it is full: a running pump holds
 * the replaced files open and reads them in order (up to MAX_QUEUED_FILES); a daemon that was away
 * catches up on the newest STAGING_MAX bytes. Either way the disk stays bounded.
 */
import { promises as fs, watch } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { Logger } from '../../base/logger';
import type { LogRecord } from './formats';
import { toDockerTime } from './k8s-file';

/** Bytes read after which the pump rotates the staging file. */
export const STAGING_ROTATE = 4 * 1024 * 1024;
/** conmon's own cap on the staging file (--log-size-max), which matters only while the daemon is away. */
export const STAGING_MAX = 32 * 1024 * 1024;
const READ_CHUNK = 256 * 1024;
/**
 * Staging files the pump holds open while it is behind (conmon replaced them at STAGING_MAX each): past
 * this, the oldest unread one is dropped, so a container that writes faster than the pump converts for a
 * long time costs bounded disk, and loses its oldest unread output, never blocks.
 */
const MAX_QUEUED_FILES = 4;
const PERSIST_EVERY_MS = 1000;

/** Where records go. write() resolves when the records are on disk (local copies) or queued (remote). */
export interface LogSink {
  write(records: LogRecord[]): Promise<void>;
  close(): Promise<void>;
  /** where the sink's local file ends, saved with the read position */
  mark?(): unknown;
  /** drops what was written after that mark: those records come again from the saved position */
  restore?(mark: unknown): void;
}

export interface PumpOptions {
  staging: string;
  statePath: string;
  sink: LogSink;
  /** true while conmon may still write (the container runs) */
  live: () => boolean;
  /** asks conmon to reopen its log file (after the pump renamed it) */
  reopen: () => Promise<void>;
  /** subscribes to the end of the container: the pump at EOF wakes at once (returns the unsubscribe) */
  onEnd: (wake: () => void) => () => void;
  logger: Logger;
}

/** One staging file being read: conmon's current one, or one it left (named only when we renamed it). */
interface Source {
  fh: FileHandle;
  ino: number;
  offset: number;
  name?: string;
}

interface PumpState {
  ino: number;
  offset: number;
  sink?: unknown;
}

export class LogPump {
  private eofWaiters: Array<() => void> = [];
  private stopped = false;
  private kick: (() => void) | undefined;
  readonly done: Promise<void>;

  constructor(private readonly o: PumpOptions) {
    this.done = this.run()
      .catch((e: unknown) => this.o.logger.warn({ err: String(e), file: o.staging }, 'log pump failed'))
      .finally(() => {
        for (const w of this.eofWaiters.splice(0)) w();
      });
  }

  /** Resolves once the pump has read everything conmon wrote before the call. */
  caughtUp(): Promise<void> {
    return new Promise((resolve) => {
      this.eofWaiters.push(resolve);
      this.kick?.();
    });
  }

  /** Wakes a pump waiting at EOF (a container that starts again writes to the same staging file). */
  poke(): void {
    this.kick?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.kick?.();
    await this.done;
  }

  private async run(): Promise<void> {
    const { staging } = this.o;
    const old = `${staging}.old`;
    const saved = await readState(this.o.statePath);
    // open files in the order conmon wrote them: the head is being read, the last is conmon's current one
    const queue: Source[] = [];
    let persistedAt = 0;
    let persisted = '';
    const persist = async (force: boolean) => {
      if (!force && Date.now() - persistedAt < PERSIST_EVERY_MS) return;
      const h = queue[0];
      const state = JSON.stringify({ ino: h?.ino ?? 0, offset: h?.offset ?? 0, sink: this.o.sink.mark?.() } satisfies PumpState);
      if (state === persisted) return;
      persistedAt = Date.now();
      persisted = state;
      // no fsync: under a fast writer it would flush all the log data written since the last one (seconds
      // of stall); a position lost in a crash of the host costs repeated lines, not lost ones
      const tmp = `${this.o.statePath}.tmp`;
      await fs.writeFile(tmp, state).then(() => fs.rename(tmp, this.o.statePath)).catch(() => undefined);
    };
    const open = async (file: string, name?: string): Promise<void> => {
      const fh = await fs.open(file, 'r').catch(() => undefined);
      if (!fh) return;
      const st = await fh.stat();
      if (queue.some((q) => q.ino === st.ino)) return void (await fh.close());
      // the saved position applies to the file it was taken in, once
      const offset = saved && saved.ino === st.ino ? Math.min(saved.offset, st.size) : 0;
      queue.push({ fh, ino: st.ino, offset, name });
    };
    /** Picks up a file conmon started (after our rename, or its own --log-size-max); drops the oldest past the cap. */
    const adopt = async (dropExcess: boolean): Promise<void> => {
      const st = await fs.stat(staging).catch(() => undefined);
      if (st && st.ino !== queue[queue.length - 1]?.ino) await open(staging);
      // not while the head is being read (it is bounded: conmon replaced it at STAGING_MAX)
      while (dropExcess && queue.length > MAX_QUEUED_FILES) {
        const q = queue.shift()!;
        this.o.logger.warn({ file: staging, droppedBytes: (await q.fh.stat()).size - q.offset }, 'log pump fell behind the container: oldest unread output dropped');
        await q.fh.close();
        if (q.name) await fs.rm(q.name, { force: true });
      }
    };
    try {
      // exactly once for the local files: what was written after the saved position is written again
      if (saved?.sink !== undefined) this.o.sink.restore?.(saved.sink);
      await open(old, old); // a rotation the daemon did not finish before it went away
      for (;;) {
        await adopt(true);
        const head = queue[0];
        if (head) {
          head.offset = await this.drain(head, async () => {
            await adopt(false);
            await persist(false);
          });
          if (queue.length > 1) {
            // conmon moved on before the newer file was adopted, so this last read gets all it wrote here
            head.offset = await this.drain(head, async () => undefined);
            queue.shift();
            await head.fh.close();
            if (head.name) await fs.rm(head.name, { force: true });
            await persist(true);
            continue;
          }
        }
        // idle at EOF: the position is saved, so a daemon killed now repeats nothing
        await persist(true);
        const live = this.o.live();
        // at EOF: whoever waited for the pump to catch up may go on
        for (const w of this.eofWaiters.splice(0)) w();
        if (this.stopped) break;
        if (head && live && head.offset >= STAGING_ROTATE && !head.name) {
          // keep the staging file small: conmon reopens a new one, we finish this one under another name
          await fs.rename(staging, old);
          head.name = old;
          await this.o.reopen().catch((e: unknown) => this.o.logger.debug({ err: String(e) }, 'log reopen failed'));
          continue;
        }
        if (!live) {
          // everything is read and nobody writes (a start waits for this pump to end before conmon runs)
          if (head) {
            await head.fh.close();
            queue.shift();
            await fs.rm(head.name ?? staging, { force: true });
          }
          break;
        }
        await this.waitForChange(head ? 250 : 50);
      }
      await persist(true);
    } finally {
      for (const q of queue) await q.fh.close().catch(() => undefined);
      await this.o.sink.close().catch(() => undefined);
    }
  }

  /** Reads from the source's offset to EOF, writing whole records to the sink; returns the new offset. */
  private async drain(src: Source, progress: () => Promise<void>): Promise<number> {
    const { fh } = src;
    let offset = src.offset;
    const buf = Buffer.allocUnsafe(READ_CHUNK);
    let carry = 0; // bytes of an unterminated line at the start of buf
    let rawTime = '';
    let time = '';
    for (;;) {
      const { bytesRead } = await fh.read(buf, carry, buf.length - carry, offset + carry);
      if (!bytesRead) return offset;
      const end = carry + bytesRead;
      const last = buf.lastIndexOf(0x0a, end - 1);
      if (last < 0) {
        if (end < buf.length) return offset; // an unterminated line: conmon is writing it
        // one line longer than the buffer (conmon splits lines at 8 KiB, so only a corrupt file): skip it
        offset += end;
        carry = 0;
        continue;
      }
      // one decode per chunk, then substrings: per-line Buffers made the pump a GC benchmark
      const text = buf.toString('utf8', 0, last);
      const records: LogRecord[] = [];
      for (let start = 0; start <= text.length; ) {
        let nl = text.indexOf('\n', start);
        if (nl < 0) nl = text.length;
        const s1 = text.indexOf(' ', start);
        const s2 = s1 < 0 || s1 >= nl ? -1 : text.indexOf(' ', s1 + 1);
        if (s2 > 0 && s2 < nl) {
          const stream = text.slice(s1 + 1, s2);
          const s3 = text.indexOf(' ', s2 + 1);
          if (stream === 'stdout' || stream === 'stderr') {
            const raw = text.slice(start, s1);
            // conmon stamps all lines of one read alike: convert each distinct stamp once
            if (raw !== rawTime) {
              rawTime = raw;
              time = toDockerTime(raw);
            }
            records.push({ stream, time, content: s3 < 0 || s3 > nl ? '' : text.slice(s3 + 1, nl), partial: text.charCodeAt(s2 + 1) === 0x50 /* P */ });
          }
        }
        start = nl + 1;
      }
      if (records.length) await this.o.sink.write(records);
      offset += last + 1;
      src.offset = offset; // what a save during the read records, with the sink's end
      carry = end - last - 1;
      buf.copy(buf, 0, last + 1, end);
      await progress();
    }
  }

  private waitForChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      let w: ReturnType<typeof watch> | undefined;
      const done = () => {
        clearTimeout(t);
        w?.close();
        unsubscribe();
        this.kick = undefined;
        resolve();
      };
      this.kick = done;
      const unsubscribe = this.o.onEnd(done);
      const t = setTimeout(done, ms);
      try {
        w = watch(this.o.staging, done);
        w.on('error', done);
      } catch {
        // not there yet (conmon reopens it): the timer covers it
      }
    });
  }
}

async function readState(file: string): Promise<PumpState | undefined> {
  try {
    const s = JSON.parse(await fs.readFile(file, 'utf8')) as PumpState;
    return typeof s.ino === 'number' && typeof s.offset === 'number' ? s : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `docker logs` over a driver's files: the rotated ones (FILE.N[.gz] … FILE.1[.gz]) and then FILE,
 * with --since/--until/--tail, and -f following FILE across rotations (a rename leaves our open fd
 * on the old file: we drain it, then open the new FILE).
 */
import { createReadStream, promises as fs, watch, type Stats } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import type { LogEntry } from '../types';
import type { LineParser } from './formats';
import { timeToSeconds } from './k8s-file';
import { rotatedFiles } from './rotating-file';

export interface ReadLogOptions {
  since?: number;
  until?: number;
  tail?: number;
  follow: boolean;
  /** while true, a follower keeps waiting for new lines at EOF */
  isLive: () => boolean;
  /** subscribes to the end of the writer (returns the unsubscribe): a follower at EOF wakes at once */
  onEnd?: (wake: () => void) => () => void;
  signal?: AbortSignal;
}

const NL = 0x0a;

/** Splits a byte stream into lines; the unterminated rest stays in `carry`. */
class LineSplitter {
  private carry = Buffer.alloc(0);
  constructor(private readonly parse: LineParser, private readonly keep: (e: LogEntry) => boolean) {}

  push(buf: Buffer, out: LogEntry[]): void {
    const data = this.carry.length ? Buffer.concat([this.carry, buf]) : buf;
    let start = 0;
    for (let nl = data.indexOf(NL); nl >= 0; nl = data.indexOf(NL, start)) {
      const e = this.parse(data.subarray(start, nl));
      start = nl + 1;
      if (e && this.keep(e)) out.push(e);
    }
    this.carry = Buffer.from(data.subarray(start));
  }
}

/** The entries of a whole (rotated) file, a read's worth at a time. */
async function* streamFile(file: string, parse: LineParser, keep: (e: LogEntry) => boolean): AsyncGenerator<LogEntry[]> {
  const split = new LineSplitter(parse, keep);
  let rs: Readable = createReadStream(file, { highWaterMark: 256 * 1024 });
  if (file.endsWith('.gz')) rs = rs.pipe(createGunzip());
  try {
    for await (const chunk of rs) {
      const out: LogEntry[] = [];
      split.push(chunk as Buffer, out);
      yield out;
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e; // rotated away while we listed
  }
}

async function readWhole(file: string, parse: LineParser, keep: (e: LogEntry) => boolean): Promise<LogEntry[]> {
  const all: LogEntry[] = [];
  for await (const es of streamFile(file, parse, keep)) for (const e of es) all.push(e);
  return all;
}

export async function* readLogFiles(file: string, parse: LineParser, opts: ReadLogOptions): AsyncGenerator<LogEntry> {
  const since = opts.since !== undefined && opts.since > 0 ? opts.since : undefined;
  const until = opts.until !== undefined && opts.until > 0 ? opts.until : undefined;
  const keep = (e: LogEntry) => {
    if (since === undefined && until === undefined) return true;
    const t = timeToSeconds(e.time);
    return (since === undefined || t >= since) && (until === undefined || t <= until);
  };
  // FILE first: a rotation while we read the older ones then cannot make us miss its lines
  let fh = await fs.open(file, 'r').catch(() => undefined);
  let offset = 0;
  const split = new LineSplitter(parse, keep);
  const readCurrent = async (): Promise<LogEntry[]> => {
    const out: LogEntry[] = [];
    if (!fh) return out;
    const buf = Buffer.allocUnsafe(256 * 1024);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
      if (!bytesRead) return out;
      offset += bytesRead;
      split.push(buf.subarray(0, bytesRead), out);
      if (out.length > 4096) return out; // yield in slices: a follower of a fast writer keeps memory flat
    }
  };
  const tail = opts.tail !== undefined && opts.tail >= 0 ? opts.tail : undefined;
  const older = await rotatedFiles(file);
  if (tail === undefined) {
    // everything, oldest first, a read at a time: memory stays flat whatever the size of the log
    for (const f of older) for await (const es of streamFile(f, parse, keep)) yield* es;
    for (let more = await readCurrent(); more.length; more = await readCurrent()) yield* more;
  } else {
    const current: LogEntry[] = [];
    for (let more = await readCurrent(); more.length; more = await readCurrent()) {
      for (const e of more) current.push(e);
      if (current.length > tail * 2 + 4096) current.splice(0, current.length - tail);
    }
    let picked = current.slice(Math.max(0, current.length - tail));
    for (let i = older.length - 1; i >= 0 && picked.length < tail; i--) {
      const es = await readWhole(older[i]!, parse, keep);
      picked = es.slice(Math.max(0, es.length - (tail - picked.length))).concat(picked);
    }
    for (const e of tail === 0 ? [] : picked) yield e;
  }
  if (!opts.follow) {
    await fh?.close();
    return;
  }
  try {
    // Follow: inotify wakes us; a slow poll covers missed events and the end of the writer.
    while (!opts.signal?.aborted) {
      const live = opts.isLive();
      const more = await readCurrent();
      for (const e of more) yield e;
      if (more.length > 0) continue;
      const st = await fs.stat(file).catch(() => undefined);
      const mine = fh ? await fh.stat().catch(() => undefined) : undefined;
      if (st && (!mine || !sameFile(st, mine) || st.size < offset)) {
        // rotated (or truncated, max-file 1): the old file is drained, go on with the new one
        await fh?.close();
        fh = await fs.open(file, 'r').catch(() => undefined);
        offset = 0;
        continue;
      }
      if (!live) return;
      await waitForChange(file, 250, opts.signal, opts.onEnd);
    }
  } finally {
    await fh?.close();
  }
}

const sameFile = (a: Stats, b: Stats) => a.ino === b.ino && a.dev === b.dev;

function waitForChange(file: string, ms: number, signal?: AbortSignal, onEnd?: ReadLogOptions['onEnd']): Promise<void> {
  return new Promise((resolve) => {
    let w: ReturnType<typeof watch> | undefined;
    let unsubscribe: (() => void) | undefined;
    const done = () => {
      clearTimeout(t);
      w?.close();
      unsubscribe?.();
      signal?.removeEventListener('abort', done);
      resolve();
    };
    unsubscribe = onEnd?.(done);
    const t = setTimeout(done, ms);
    try {
      w = watch(file, done);
      w.on('error', done);
    } catch {
      // the file may not exist yet; the timer covers it
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * A long-lived native helper spoken to a line at a time (berth-fsd, berth-spawnd): started on the
 * first write and again on the first after it died; idle, it keeps no process from exiting (it
 * ends at end of input). What a helper that died still had in its pipe reaches nobody.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

/** A request field: hex, "-" for the empty string (native/berth-hex.h reads it back). */
export const hex = (s: string): string => (s ? Buffer.from(s).toString('hex') : '-');

export class LineHelper {
  private child: ChildProcessWithoutNullStreams | undefined;
  /** the line read so far, in pieces (a reply may be megabytes of hex) */
  private parts: string[] = [];

  constructor(
    private readonly tool: string,
    private readonly onLine: (line: string) => void,
    private readonly onGone: (why: string) => void,
  ) {}

  write(line: string): void {
    (this.child ?? this.start()).stdin.write(`${line}\n`);
  }

  /** A helper with work out keeps the process alive; an idle one does not. */
  busy(on: boolean): void {
    const c = this.child;
    if (!c) return;
    for (const h of [c, c.stdin, c.stdout, c.stderr] as Array<{ ref?: () => void; unref?: () => void }>) {
      if (on) h.ref?.();
      else h.unref?.();
    }
  }

  private start(): ChildProcessWithoutNullStreams {
    const child = spawn(this.tool, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    this.parts = [];
    this.busy(false);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => this.child === child && this.onData(chunk));
    child.stderr.resume();
    child.stdin.on('error', () => undefined); // a dead helper: 'exit' tells
    const gone = (why: string) => {
      if (this.child !== child) return;
      this.child = undefined;
      this.onGone(why);
    };
    child.once('exit', (code, sig) => gone(`exited (${sig ?? code})`));
    child.once('error', (e) => gone(`failed: ${e.message}`));
    return child;
  }

  private onData(chunk: string): void {
    let start = 0;
    let nl: number;
    while ((nl = chunk.indexOf('\n', start)) >= 0) {
      this.parts.push(chunk.slice(start, nl));
      const line = this.parts.join('');
      this.parts = [];
      start = nl + 1;
      this.onLine(line);
    }
    if (start < chunk.length) this.parts.push(chunk.slice(start));
  }
}

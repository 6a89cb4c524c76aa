/**
 * `berth build`'s plain progress view, read off the classic builder's stream:
 * one numbered entry per step with the stage it belongs to, its output lines
 * with the seconds since the step began, and how it ended (CACHED, DONE time, ERROR).
 *
 *   #3 [build 3/7] RUN make
 *   #3 0.412 cc -o app app.c
 *   #3 DONE 1.3s
 */
const STEP = /^Step (\d+)\/(\d+) : (.*)$/;
const FROM_AS = /^FROM\s+(?:--\S+\s+)*\S+\s+as\s+(\S+)/i;

export class BuildProgressView {
  private step: { n: number; started: number; cached: boolean } | undefined;
  private stage = 'stage-0';
  private stages = 0;
  private partial = '';

  constructor(private readonly write: (text: string) => void, private readonly now: () => number = () => performance.now()) {}

  /** A piece of the stream (it may hold several lines or part of one). */
  feed(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const l of lines) this.line(l);
  }

  /** The build ended: the open step ends with it. */
  end(error?: string): void {
    if (this.partial) this.line(this.partial);
    this.partial = '';
    if (this.step) this.close(error ? 'ERROR' : undefined);
    if (error) this.write(`ERROR: ${error}\n`);
  }

  private line(l: string): void {
    const m = STEP.exec(l);
    if (m) {
      if (this.step) this.close();
      const instruction = m[3] as string;
      if (/^FROM\s/i.test(instruction)) this.stage = FROM_AS.exec(instruction)?.[1] ?? `stage-${this.stages}`;
      if (/^FROM\s/i.test(instruction)) this.stages++;
      this.step = { n: Number(m[1]), started: this.now(), cached: false };
      this.write(`#${m[1]} [${this.stage} ${m[1]}/${m[2]}] ${instruction}\n`);
      return;
    }
    if (!this.step) {
      if (l.trim()) this.write(`${l}\n`);
      return;
    }
    if (l === ' ---> Using cache') this.step.cached = true;
    else if (/^ ---> [0-9a-f]{12}$/.test(l)) this.close();
    else if (/^ ---> Running in [0-9a-f]{12}$/.test(l) || /^Removing intermediate container [0-9a-f]{12}$/.test(l)) return;
    else this.write(`#${this.step.n} ${((this.now() - this.step.started) / 1000).toFixed(3)} ${l}\n`);
  }

  private close(status?: string): void {
    const s = this.step;
    if (!s) return;
    this.step = undefined;
    this.write(`#${s.n} ${status ?? (s.cached ? 'CACHED' : `DONE ${((this.now() - s.started) / 1000).toFixed(1)}s`)}\n`);
  }
}

/**
 * Healthchecks as dockerd runs them: the image's HEALTHCHECK, with what the
 * container was created with over it, run as an exec every interval; `starting`
 * until the first success, `unhealthy` after `retries` failures in a row
 * (failures inside the start period do not count), the last five results kept
 * in State.Health, a `health_status: …` event on every change of status.
 * Driven by the container's own events, so start/stop code knows nothing of it.
 */
import { goDurationString } from '../base/go-duration';
import type { EngineEvent } from '../base/events';
import type { ImageConfigConfig } from '../protocol/oci/image';
import { publishContainerEvent, type ContainerContext } from './context';
import type { ExecRegistry } from './exec';
import type { ContainerRecord } from './types';

const SECOND = 1_000_000_000;
/** Docker's defaults (nanoseconds) */
const DEFAULTS = { interval: 30 * SECOND, timeout: 30 * SECOND, startPeriod: 0, startInterval: 5 * SECOND, retries: 3 };
const MAX_OUTPUT = 4096;
const KEEP_RESULTS = 5;

export interface HealthConfig {
  test: string[];
  interval: number;
  timeout: number;
  startPeriod: number;
  /** the interval while the container is `starting` within its start period */
  startInterval: number;
  retries: number;
}

/** The check a container runs, or undefined for none (no HEALTHCHECK, or NONE). */
export function effectiveHealthcheck(rec: ContainerRecord, image: ImageConfigConfig['Healthcheck']): HealthConfig | undefined {
  const c = rec.spec.healthcheck;
  const test = c?.test?.length ? c.test : image?.Test ?? [];
  if (test.length === 0 || test[0] === 'NONE') return undefined;
  if (test[0] !== 'CMD' && test[0] !== 'CMD-SHELL') return undefined;
  return {
    test,
    interval: c?.interval || image?.Interval || DEFAULTS.interval,
    timeout: c?.timeout || image?.Timeout || DEFAULTS.timeout,
    startPeriod: c?.startPeriod || image?.StartPeriod || DEFAULTS.startPeriod,
    startInterval: c?.startInterval || image?.StartInterval || DEFAULTS.startInterval,
    retries: c?.retries || image?.Retries || DEFAULTS.retries,
  };
}

/** The wait before the next probe: the start interval while still `starting` inside the start period, as dockerd does. */
export function nextInterval(cfg: HealthConfig, sinceStartMs: number, status: string | undefined): number {
  if (sinceStartMs < cfg.startPeriod / 1e6 && status === 'starting') return cfg.startInterval;
  return cfg.interval;
}

/** What the check runs: CMD's argv, or CMD-SHELL's script under /bin/sh -c. */
export function healthArgv(test: string[]): string[] {
  return test[0] === 'CMD-SHELL' ? ['/bin/sh', '-c', test.slice(1).join(' ')] : test.slice(1);
}

/** Reads a stdcopy-framed exec stream into text, keeping the first MAX_OUTPUT bytes. */
async function collect(stream: AsyncIterable<Buffer>): Promise<string> {
  let pending = Buffer.alloc(0);
  const out: Buffer[] = [];
  let kept = 0;
  for await (const chunk of stream) {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 8) {
      const len = pending.readUInt32BE(4);
      if (pending.length < 8 + len) break;
      const payload = pending.subarray(8, 8 + len);
      if (kept < MAX_OUTPUT) {
        out.push(payload.subarray(0, MAX_OUTPUT - kept));
        kept += Math.min(payload.length, MAX_OUTPUT - kept);
      }
      pending = pending.subarray(8 + len);
    }
  }
  return Buffer.concat(out).toString('utf8');
}

interface Probe {
  timer: NodeJS.Timeout | undefined;
  startedAt: number;
  stopped: boolean;
}

export class HealthMonitor {
  private readonly probes = new Map<string, Probe>();
  private readonly probeCounts = { total: 0, failed: 0 };
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly ctx: ContainerContext,
    private readonly execs: ExecRegistry,
  ) {}

  /** Begins watching events; containers already running (a daemon restart) are probed from now on. */
  open(): void {
    this.unsubscribe = this.ctx.events.subscribe((e) => this.onEvent(e));
    for (const rec of this.ctx.store.all()) if (rec.state.status === 'running') void this.begin(rec, false);
  }

  close(): void {
    this.unsubscribe?.();
    for (const id of [...this.probes.keys()]) this.end(id);
  }

  private onEvent(e: EngineEvent): void {
    if (e.type !== 'container') return;
    if (e.action === 'start' || e.action === 'unpause') {
      const rec = this.ctx.store.get(e.id);
      if (rec) void this.begin(rec, e.action === 'start');
    } else if (e.action === 'die' || e.action === 'destroy' || e.action === 'pause') this.end(e.id);
  }

  private async begin(rec: ContainerRecord, fresh: boolean): Promise<void> {
    if (this.probes.has(rec.id)) return;
    const image = await this.ctx.images.resolve(rec.imageId).then((i) => i.config.config?.Healthcheck, () => undefined);
    const cfg = effectiveHealthcheck(rec, image);
    if (!cfg || this.probes.has(rec.id)) return;
    const probe: Probe = { timer: undefined, startedAt: Date.now(), stopped: false };
    this.probes.set(rec.id, probe);
    if (fresh || !rec.state.health) {
      rec.state.health = { status: 'starting', failingStreak: 0, log: [] };
      await this.ctx.store.save(rec).catch(() => undefined);
    }
    const schedule = () => {
      if (probe.stopped) return;
      probe.timer = setTimeout(() => {
        void this.check(rec, cfg, probe).finally(schedule);
      }, nextInterval(cfg, Date.now() - probe.startedAt, rec.state.health?.status) / 1e6);
      probe.timer.unref();
    };
    schedule();
  }

  private end(id: string): void {
    const p = this.probes.get(id);
    if (!p) return;
    p.stopped = true;
    clearTimeout(p.timer);
    this.probes.delete(id);
  }

  counts(): { total: number; failed: number } {
    return { ...this.probeCounts };
  }

  /** One probe: run the test, record the result, move the status. */
  private async check(rec: ContainerRecord, cfg: HealthConfig, probe: Probe): Promise<void> {
    const start = new Date();
    let exitCode: number;
    let output: string;
    try {
      ({ exitCode, output } = await this.runProbe(rec, cfg));
    } catch (e) {
      if (probe.stopped || rec.state.status !== 'running') return; // the container went away meanwhile
      exitCode = -1;
      output = String((e as Error)?.message ?? e);
    }
    if (probe.stopped || !rec.state.health) return;
    this.probeCounts.total++;
    if (exitCode !== 0) this.probeCounts.failed++;
    const h = rec.state.health;
    h.log = [...h.log, { start: start.toISOString(), end: new Date().toISOString(), exitCode, output }].slice(-KEEP_RESULTS);
    const before = h.status;
    if (exitCode === 0) {
      h.status = 'healthy';
      h.failingStreak = 0;
    } else if (Date.now() - probe.startedAt >= cfg.startPeriod / 1e6 || h.status !== 'starting') {
      h.failingStreak++;
      if (h.failingStreak >= cfg.retries) h.status = 'unhealthy';
    }
    await this.ctx.store.save(rec).catch(() => undefined);
    if (h.status !== before) publishContainerEvent(this.ctx, rec, `health_status: ${h.status}`);
  }

  private async runProbe(rec: ContainerRecord, cfg: HealthConfig): Promise<{ exitCode: number; output: string }> {
    const execId = this.execs.create(rec.id, { cmd: healthArgv(cfg.test), env: [], tty: false, attachStdin: false, attachStdout: true, attachStderr: true, privileged: false });
    const stream = await this.execs.start(execId, { detach: false });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      const pid = this.execs.inspect(execId).pid;
      if (pid > 0) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
    }, cfg.timeout / 1e6);
    try {
      const output = stream ? await collect(stream as AsyncIterable<Buffer>) : '';
      // dockerd's words: the Go duration, then what the probe printed before it was killed
      if (timedOut) return { exitCode: -1, output: `Health check exceeded timeout (${goDurationString(cfg.timeout)})${output ? `: ${output}` : ''}` };
      return { exitCode: this.execs.inspect(execId).exitCode ?? -1, output };
    } finally {
      clearTimeout(timer);
      this.execs.forget(execId);
    }
  }
}

/** The selected container: live stats charts and its log, followed while the panel is open. */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ContainerSummaryWire } from '../../src/protocol/docker/container';
import { isAbort, stream, streamJson } from './api';
import { Chart } from './chart';
import { bytes, pct, shortId } from './format';
import { createLogDecoder, type LogStream } from './stdcopy';

const WINDOW = 60;
const MAX_LINES = 2000;

interface StatsWire {
  read: string;
  cpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage?: number; online_cpus?: number };
  precpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage?: number };
  memory_stats: { usage?: number; limit?: number; stats?: Record<string, number> };
  pids_stats: { current?: number };
}

/**
 * As the docker CLI computes them: CPU % of the machine's time × CPUs (undefined for the first reading,
 * which has no previous one), memory less the page cache the kernel can drop.
 */
function cpuPercent(s: StatsWire): number | undefined {
  if (!s.precpu_stats.system_cpu_usage) return undefined;
  const cpu = s.cpu_stats.cpu_usage.total_usage - s.precpu_stats.cpu_usage.total_usage;
  const sys = (s.cpu_stats.system_cpu_usage ?? 0) - s.precpu_stats.system_cpu_usage;
  return sys > 0 && cpu > 0 ? (cpu / sys) * (s.cpu_stats.online_cpus ?? 1) * 100 : 0;
}

function memoryUsed(s: StatsWire): number {
  const st = s.memory_stats.stats ?? {};
  return Math.max(0, (s.memory_stats.usage ?? 0) - (st.inactive_file ?? st.total_inactive_file ?? 0));
}

interface Series {
  cpu: number[];
  mem: number[];
  limit: number;
  pids: number;
}

function useStats(id: string, running: boolean): Series | undefined {
  const [series, setSeries] = useState<Series>();
  useEffect(() => {
    setSeries(undefined);
    if (!running) return;
    const ac = new AbortController();
    const keep = (a: number[], v: number | undefined) => (v === undefined ? a : [...a, v].slice(-WINDOW));
    streamJson<StatsWire>(`/containers/${id}/stats?stream=1`, (s) => {
      if (s.read.startsWith('0001-')) return; // a stopped container's empty reading
      setSeries((p) => ({
        cpu: keep(p?.cpu ?? [], cpuPercent(s)),
        mem: keep(p?.mem ?? [], memoryUsed(s)),
        limit: s.memory_stats.limit ?? 0,
        pids: s.pids_stats.current ?? 0,
      }));
    }, ac.signal).catch((e: unknown) => {
      if (!isAbort(e)) console.warn('stats', e);
    });
    return () => ac.abort();
  }, [id, running]);
  return series;
}

interface Line {
  text: string;
  stream: LogStream;
}

function useLogs(id: string, running: boolean): Line[] {
  const [lines, setLines] = useState<Line[]>([]);
  useEffect(() => {
    const ac = new AbortController();
    const partial = { stdout: '', stderr: '' };
    let pending: Line[] = [];
    let frame = 0;
    // many small chunks → one render per animation frame
    const flush = () => {
      frame = 0;
      const add = pending;
      pending = [];
      setLines((p) => [...p, ...add].slice(-MAX_LINES));
    };
    const decode = createLogDecoder((text, s) => {
      const parts = (partial[s] + text).split('\n');
      partial[s] = parts.pop() ?? '';
      for (const t of parts) pending.push({ text: t, stream: s });
      if (!frame) frame = requestAnimationFrame(flush);
    });
    setLines([]);
    stream(`/containers/${id}/logs?stdout=1&stderr=1&tail=500${running ? '&follow=1' : ''}`, decode, ac.signal).then(
      () => {
        for (const s of ['stdout', 'stderr'] as const) if (partial[s]) pending.push({ text: partial[s], stream: s });
        if (!frame) frame = requestAnimationFrame(flush);
      },
      (e: unknown) => {
        if (!isAbort(e)) console.warn('logs', e);
      },
    );
    return () => {
      ac.abort();
      cancelAnimationFrame(frame);
    };
  }, [id, running]);
  return lines;
}

export function ContainerDetail({ c }: { c: ContainerSummaryWire }) {
  const running = c.State === 'running';
  const stats = useStats(c.Id, running);
  const lines = useLogs(c.Id, running);
  const pre = useRef<HTMLPreElement>(null);
  const stick = useRef(true);
  useEffect(() => {
    const el = pre.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [lines]);
  return (
    <section class="detail" aria-label={`container ${c.Names[0]?.slice(1) ?? ''}`}>
      <h2>
        {c.Names[0]?.slice(1)} <small>{shortId(c.Id)}</small>
      </h2>
      {running ? (
        <div class="charts">
          <Chart label="CPU" stat="cpu" values={stats?.cpu ?? []} capacity={WINDOW} format={pct} floor={1} />
          <Chart label={`Memory${stats?.limit ? ` (limit ${bytes(stats.limit)})` : ''}`} stat="mem" values={stats?.mem ?? []} capacity={WINDOW} format={bytes} floor={4 << 20} />
          <div class="pids">
            <span>PIDs</span>
            <strong data-stat="pids">{stats ? stats.pids : '–'}</strong>
          </div>
        </div>
      ) : (
        <p class="muted">Not running: no live stats.</p>
      )}
      <h3>Logs {running && <span class="live">following</span>}</h3>
      <pre
        class="logs"
        ref={pre}
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
      >
        {lines.length === 0 ? <span class="muted">(no output)</span> : lines.map((l, i) => <div key={i} class={l.stream}>{l.text}</div>)}
      </pre>
    </section>
  );
}

/**
 * GET /metrics on berthd's --metrics-addr with 0, 1, 10 and N running containers:
 * median scrape time (every container's cgroup and netns read once per scrape) and body size.
 * Usage: node dist/bench/metrics-scrape.js [--max N] [--runs R]   (defaults 50, 20)
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { startDaemon, DOCKER, type TestDaemon } from '../test/kit/daemon';
import { makeBusyboxTar } from '../test/kit/busybox';
import { freePort } from '../test/kit/ports';
import { median } from './measure';

const args = process.argv.slice(2);
const opt = (k: string, dflt: number) => Number(args[args.indexOf(k) + 1] || dflt) || dflt;
const MAX = opt('--max', 50);
const RUNS = opt('--runs', 20);

async function scrape(port: number): Promise<{ ms: number; bytes: number }> {
  const t0 = process.hrtime.bigint();
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  const body = await res.text();
  if (res.status !== 200) throw new Error(`scrape: ${res.status}`);
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, bytes: body.length };
}

async function main(): Promise<void> {
  let d: TestDaemon | undefined;
  try {
    const port = await freePort();
    d = await startDaemon('mbench', { args: ['--metrics-addr', `127.0.0.1:${port}`] });
    const env = d.env;
    execFileSync(DOCKER, ['import', await makeBusyboxTar(path.join(d.base, 'bb.tar')), 'benchbb:latest'], { env, stdio: 'ignore' });
    console.log(`GET /metrics, median of ${RUNS} scrapes:`);
    let running = 0;
    for (const n of [...new Set([0, 1, 10, MAX])].sort((a, b) => a - b)) {
      for (; running < n; running++) execFileSync(DOCKER, ['run', '-d', 'benchbb', 'sleep', '100000'], { env, stdio: 'ignore' });
      await scrape(port); // warm-up
      const samples: Array<{ ms: number; bytes: number }> = [];
      for (let i = 0; i < RUNS; i++) samples.push(await scrape(port));
      console.log(`  ${String(n).padStart(4)} containers: ${median(samples.map((s) => s.ms)).toFixed(1).padStart(7)} ms   (${Math.round(samples[0]!.bytes / 1024)} KiB)`);
    }
  } finally {
    await d?.close();
  }
}

void main();

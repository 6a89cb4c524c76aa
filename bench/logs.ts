/**
 * Log throughput through json-file, side by side in one run: a container writes N MB of 100-byte lines
 * (`yes | head -c`), and we time from `docker run -d` until `docker logs` returns every line; the
 * daemon's peak RSS is sampled meanwhile. berthd, and dockerd (Debian's docker.io) where installed.
 * Usage: node dist/bench/logs.js [--mb N (default 40)] [--runs R (default 3)]
 */
import { execFileSync, spawn } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startDaemon, DOCKER, type TestDaemon } from '../test/kit/daemon';
import { makeBusyboxTar } from '../test/kit/busybox';
import { median } from './measure';
import { startDockerd } from './dockerd';

const args = process.argv.slice(2);
const MB = Number(args[args.indexOf('--mb') + 1] || 40) || 40;
const RUNS = Number(args[args.indexOf('--runs') + 1] || 3) || 3;
const LINE = 'x'.repeat(99); // + "\n" = 100 bytes
const LINES = Math.floor((MB * 1_000_000) / 100);

interface Sample {
  seconds: number;
  peakRssMb: number;
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

/** Counts lines of `docker logs` as they stream (no buffering of N MB in the bench itself). */
function countLogLines(env: NodeJS.ProcessEnv, name: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn(DOCKER, ['logs', name], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let n = 0;
    p.stdout.on('data', (b: Buffer) => {
      for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) n++;
    });
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(n) : reject(new Error(`docker logs exited ${code}`))));
  });
}

async function once(env: NodeJS.ProcessEnv, daemonPid: number, i: number): Promise<Sample> {
  const name = `benchlogs${i}`;
  let peak = rssMb(daemonPid);
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(daemonPid))), 50);
  const t0 = process.hrtime.bigint();
  try {
    // max-size above the JSON of N MB (about 1.7x): every line stays for the count
    execFileSync(DOCKER, ['run', '-d', '--name', name, '--log-opt', `max-size=${Math.ceil(MB * 2.5)}m`, 'benchbb', 'sh', '-c', `yes ${LINE} | head -n ${LINES}`], { env, stdio: 'ignore' });
    execFileSync(DOCKER, ['wait', name], { env, stdio: 'ignore' });
    const n = await countLogLines(env, name);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (n !== LINES) throw new Error(`docker logs returned ${n} of ${LINES} lines`);
    return { seconds, peakRssMb: peak };
  } finally {
    clearInterval(sampler);
    execFileSync(DOCKER, ['rm', '-f', name], { env, stdio: 'ignore' });
  }
}

async function main(): Promise<void> {
  const base = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-bench-logs-'));
  let d: TestDaemon | undefined;
  let dockerd: Awaited<ReturnType<typeof startDockerd>>;
  try {
    d = await startDaemon('benchlogs');
    const tar = await makeBusyboxTar(path.join(base, 'bb.tar'));
    execFileSync(DOCKER, ['import', tar, 'benchbb:latest'], { env: d.env, stdio: 'ignore' });
    const subjects: Array<{ name: string; env: NodeJS.ProcessEnv; pid: number; samples: Sample[] }> = [{ name: 'berthd', env: d.env, pid: d.proc.pid!, samples: [] }];
    dockerd = await startDockerd(base, 'none');
    if (dockerd) {
      execFileSync(DOCKER, ['import', tar, 'benchbb:latest'], { env: dockerd.env, stdio: 'ignore' });
      subjects.push({ name: 'dockerd', env: dockerd.env, pid: Number(readFileSync(path.join(base, 'dockerd.pid'), 'utf8').trim()), samples: [] });
    }
    for (let i = 0; i < RUNS; i++) for (const s of subjects) s.samples.push(await once(s.env, s.pid, i));
    console.log(`json-file: ${MB} MB in ${LINES} lines of 100 bytes, run -d until docker logs has every line; median of ${RUNS} interleaved runs:`);
    const mbps = (s: (typeof subjects)[number]) => MB / median(s.samples.map((x) => x.seconds));
    for (const s of subjects) {
      console.log(`  ${s.name.padEnd(8)} ${mbps(s).toFixed(1).padStart(7)} MB/s   daemon peak RSS ${median(s.samples.map((x) => x.peakRssMb)).toFixed(0)} MB   (runs: ${s.samples.map((x) => x.seconds.toFixed(2)).join(', ')} s)`);
    }
    if (subjects.length > 1) {
      const [b, k] = subjects;
      console.log(`ratio berthd / dockerd: throughput ${(mbps(b!) / mbps(k!)).toFixed(2)}x, peak RSS ${(median(b!.samples.map((x) => x.peakRssMb)) / median(k!.samples.map((x) => x.peakRssMb))).toFixed(2)}x`);
    } else {
      console.log('  dockerd: not installed (Debian docker.io), no side-by-side figure');
    }
  } finally {
    await dockerd?.stop();
    await d?.close();
    await fs.rm(base, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});

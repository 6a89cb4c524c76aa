/**
 * `docker run --rm IMAGE true` through berthd on the default bridge vs
 * `--network none`: the cost of a netns + netavark setup/teardown per run.
 * Medians of N interleaved runs (default 15), printed side by side.
 * Usage: node dist/bench/network-latency.js [--runs N]
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startDaemon, DOCKER, type TestDaemon } from '../test/kit/daemon';
import { makeBusyboxTar } from '../test/kit/busybox';
import { median, timeIt } from './measure';

const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1] || 15) || 15;



async function main(): Promise<void> {
  const base = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-netbench-'));
  let d: TestDaemon | undefined;
  try {
    d = await startDaemon('nbench');
    const tar = await makeBusyboxTar(path.join(base, 'bb.tar'));
    execFileSync(DOCKER, ['import', tar, 'benchbb:latest'], { env: d.env, stdio: 'ignore' });
    const subjects = [
      { name: 'default bridge', argv: [DOCKER, 'run', '--rm', 'benchbb', 'true'], samples: [] as number[] },
      { name: '--network none', argv: [DOCKER, 'run', '--rm', '--network', 'none', 'benchbb', 'true'], samples: [] as number[] },
    ];
    // warm-up, then interleave so drift hits both alike
    for (const s of subjects) timeIt(s.argv, d.env);
    for (let i = 0; i < RUNS; i++) for (const s of subjects) s.samples.push(timeIt(s.argv, d.env));
    console.log(`docker CLI → berthd: run --rm IMAGE true, median of ${RUNS} interleaved runs (ms):`);
    for (const s of subjects) {
      console.log(`  ${s.name.padEnd(16)} ${median(s.samples).toFixed(1).padStart(8)}   (min ${Math.min(...s.samples).toFixed(1)}, max ${Math.max(...s.samples).toFixed(1)})`);
    }
    const [bridge, none] = subjects.map((s) => median(s.samples)) as [number, number];
    console.log(`bridge networking adds ${(bridge - none).toFixed(1)} ms per run (${(bridge / none).toFixed(2)}x)`);
  } finally {
    await d?.close();
    await fs.rm(base, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});

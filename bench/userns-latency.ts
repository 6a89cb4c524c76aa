/**
 * `run --rm IMAGE true` with --userns-remap beside without: two berthds side by side, runs
 * interleaved, plus the rootfs mount alone (plain overlay vs idmapped lower layers).
 * Prints medians of N runs (default 15) and their ratios.
 * Usage: node dist/bench/userns-latency.js [--runs N] [--network none|default]
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startDaemon, BERTH, DOCKER, type TestDaemon } from '../test/kit/daemon';
import { makeBusyboxRootfs, makeBusyboxTar } from '../test/kit/busybox';
import { mountOverlay, unmount } from '../src/platform/mount';
import { holdUsernsFile, releaseUsernsFile } from '../src/platform/userns-file';
import { median, timeIt } from './measure';

const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1] || 15) || 15;
const NETWORK = args.includes('--network') ? args[args.indexOf('--network') + 1]! : 'none';

async function mountSamples(base: string, idmap: boolean): Promise<number[]> {
  const lower = await makeBusyboxRootfs(path.join(base, `lower-${idmap}`));
  const maps = [{ containerID: 0, hostID: 100000, size: 65536 }];
  const userns = idmap ? await holdUsernsFile(base, { user: 'bench', group: 'bench', uidMappings: maps, gidMappings: maps }) : undefined;
  const out: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const dir = path.join(base, `m-${idmap}-${i}`);
    const t0 = process.hrtime.bigint();
    await mountOverlay({ lowerDirs: [lower], upperDir: path.join(dir, 'upper'), workDir: path.join(dir, 'work'), target: path.join(dir, 'rootfs'), ...(userns ? { idmapUserns: userns } : {}) });
    out.push(Number(process.hrtime.bigint() - t0) / 1e6);
    await unmount(path.join(dir, 'rootfs'));
  }
  if (userns) await releaseUsernsFile(base);
  return out;
}

async function main(): Promise<void> {
  const base = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-bench-uns-'));
  const daemons: TestDaemon[] = [];
  try {
    const plain = await startDaemon('bplain');
    daemons.push(plain);
    const remapped = await startDaemon('bremap', { args: ['--userns-remap', 'default'] });
    daemons.push(remapped);
    const tar = await makeBusyboxTar(path.join(base, 'bb.tar'));
    for (const d of daemons) execFileSync(DOCKER, ['import', tar, 'benchbb:latest'], { env: d.env, stdio: 'ignore' });
    const net = NETWORK === 'default' ? [] : ['--network', NETWORK];
    const argv = [BERTH, 'run', '--rm', ...net, 'benchbb', 'true'];
    for (const d of daemons) timeIt(argv, d.env); // warm-up
    const samples: [number[], number[]] = [[], []];
    for (let i = 0; i < RUNS; i++) daemons.forEach((d, j) => samples[j]!.push(timeIt(argv, d.env)));
    const [p, r] = samples.map(median) as [number, number];
    const [mp, mr] = [median(await mountSamples(base, false)), median(await mountSamples(base, true))];
    process.stdout.write(`run --rm (network ${NETWORK}, ${RUNS} runs, medians)\n`);
    process.stdout.write(`  without userns-remap  ${p.toFixed(1)} ms\n  with userns-remap     ${r.toFixed(1)} ms   ratio ${(r / p).toFixed(2)}\n`);
    process.stdout.write(`rootfs mount alone\n  plain overlay         ${mp.toFixed(1)} ms\n  idmapped lowers       ${mr.toFixed(1)} ms\n`);
  } finally {
    for (const d of daemons) await d.close();
    await fs.rm(base, { recursive: true, force: true });
  }
}

void main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});

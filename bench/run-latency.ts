/**
 * `run --rm IMAGE true` latency, side by side in one run, interleaved:
 *   berth CLI → berthd, docker CLI → berthd, raw `runc run` of a prepared bundle,
 *   and where installed docker CLI → dockerd (Debian's docker.io) and podman.
 * Prints medians of N runs (default 15) and the ratios the issue asks for.
 * Usage: node dist/bench/run-latency.js [--runs N] [--network none|default] [--baseline-cli PATH]
 * --baseline-cli adds another berth CLI (e.g. bin/berth of an older build) against the same berthd.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startDaemon, BERTH, DOCKER, type TestDaemon } from '../test/kit/daemon';
import { makeBusyboxRootfs, makeBusyboxTar } from '../test/kit/busybox';
import { median, timeIt } from './measure';
import { startDockerd } from './dockerd';

const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1] || 15) || 15;
const NETWORK = args.includes('--network') ? args[args.indexOf('--network') + 1]! : 'none';
const BASELINE_CLI = args.includes('--baseline-cli') ? args[args.indexOf('--baseline-cli') + 1]! : undefined;



interface Subject {
  name: string;
  argv: string[];
  env: NodeJS.ProcessEnv;
  samples: number[];
}

async function main(): Promise<void> {
  const base = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-bench-'));
  let d: TestDaemon | undefined;
  let dockerd: Awaited<ReturnType<typeof startDockerd>>;
  try {
    d = await startDaemon('bench');
    const tar = await makeBusyboxTar(path.join(base, 'bb.tar'));
    execFileSync(DOCKER, ['import', tar, 'benchbb:latest'], { env: d.env, stdio: 'ignore' });
    const net = NETWORK === 'default' ? [] : ['--network', NETWORK];

    // Raw runtime: a prepared bundle run with `runc run`.
    const bundle = path.join(base, 'bundle');
    await makeBusyboxRootfs(path.join(bundle, 'rootfs'));
    execFileSync('runc', ['spec'], { cwd: bundle });
    const spec = JSON.parse(await fs.readFile(path.join(bundle, 'config.json'), 'utf8')) as { process: { args: string[]; terminal: boolean } };
    spec.process.args = ['true'];
    spec.process.terminal = false;
    await fs.writeFile(path.join(bundle, 'config.json'), JSON.stringify(spec));
    const runcRoot = path.join(base, 'runc-root');

    const subjects: Subject[] = [
      { name: 'runc run (raw runtime)', argv: ['runc', '--root', runcRoot, 'run', '--bundle', bundle, 'bench'], env: process.env, samples: [] },
      { name: 'berth CLI → berthd', argv: [BERTH, 'run', '--rm', ...net, 'benchbb', 'true'], env: d.env, samples: [] },
      { name: 'docker CLI → berthd', argv: [DOCKER, 'run', '--rm', ...net, 'benchbb', 'true'], env: d.env, samples: [] },
    ];
    if (BASELINE_CLI) subjects.push({ name: 'baseline berth CLI → berthd', argv: [BASELINE_CLI, 'run', '--rm', ...net, 'benchbb', 'true'], env: d.env, samples: [] });
    dockerd = await startDockerd(base, NETWORK === 'default' ? 'default' : 'none');
    if (dockerd) {
      execFileSync(DOCKER, ['import', tar, 'benchbb:latest'], { env: dockerd.env, stdio: 'ignore' });
      subjects.push({ name: 'docker CLI → dockerd', argv: [DOCKER, 'run', '--rm', ...net, 'benchbb', 'true'], env: dockerd.env, samples: [] });
    }
    if (spawnSync('podman', ['--version'], { stdio: 'ignore' }).status === 0) {
      const proot = path.join(base, 'podman');
      const pargs = ['--root', path.join(proot, 'root'), '--runroot', path.join(proot, 'run'), '--cgroup-manager', 'cgroupfs', '--events-backend', 'none'];
      execFileSync('podman', [...pargs, 'import', tar, 'benchbb:latest'], { stdio: 'ignore' });
      subjects.push({ name: 'podman', argv: ['podman', ...pargs, 'run', '--rm', ...(net.length ? net : []), 'benchbb', 'true'], env: process.env, samples: [] });
    }
    // warm-up, then interleave so drift hits everyone alike
    for (const s of subjects) timeIt(s.argv, s.env);
    for (let i = 0; i < RUNS; i++) for (const s of subjects) s.samples.push(timeIt(s.argv, s.env));

    const med = new Map(subjects.map((s) => [s.name, median(s.samples)]));
    console.log(`run --rm IMAGE true, network=${NETWORK}, median of ${RUNS} interleaved runs (ms):`);
    for (const s of subjects) console.log(`  ${s.name.padEnd(30)} ${med.get(s.name)!.toFixed(1).padStart(8)}   (min ${Math.min(...s.samples).toFixed(1)}, max ${Math.max(...s.samples).toFixed(1)})`);
    const dd = med.get('docker CLI → dockerd');
    if (dd) {
      console.log(`ratio docker CLI → berthd / docker CLI → dockerd = ${(med.get('docker CLI → berthd')! / dd).toFixed(2)} (goal ≤ 0.5)`);
      console.log(`ratio berth CLI → berthd  / docker CLI → dockerd = ${(med.get('berth CLI → berthd')! / dd).toFixed(2)} (goal ≤ 0.6)`);
    } else {
      console.log('dockerd not installed (apt-get install docker.io): no Docker ratio this run');
    }
    console.log(`ratio docker CLI → berthd / runc run = ${(med.get('docker CLI → berthd')! / med.get('runc run (raw runtime)')!).toFixed(2)}`);
    console.log(`ratio berth CLI → berthd  / docker CLI → berthd = ${(med.get('berth CLI → berthd')! / med.get('docker CLI → berthd')!).toFixed(2)}`);
    const before = med.get('baseline berth CLI → berthd');
    if (before) console.log(`ratio baseline berth CLI → berthd / docker CLI → berthd = ${(before / med.get('docker CLI → berthd')!).toFixed(2)}`);
  } finally {
    await dockerd?.stop().catch(() => undefined);
    await d?.close();
    spawnSync('runc', ['--root', path.join(base, 'runc-root'), 'delete', '-f', 'bench'], { stdio: 'ignore' });
    await fs.rm(base, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});

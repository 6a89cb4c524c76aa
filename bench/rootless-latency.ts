/**
 * `run --rm busybox true`: rootless Berth beside rootful Berth, and beside rootless podman (Debian's,
 * run as the same fresh user with the same busybox image), runs interleaved. Both Berth daemons are
 * driven by bin/berth over their sockets; podman runs as the user (through setpriv, whose own cost
 * is measured and shown). Prints medians of N runs (default 15) and the ratios.
 * `--network user`: on a user-defined network each made first (rootless: in the rootless netns).
 * Usage: node dist/bench/rootless-latency.js [--runs N] [--network none|default|user]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { startDaemon, BERTH, DOCKER, type TestDaemon } from '../test/kit/daemon';
import { makeBusyboxTar } from '../test/kit/busybox';
import { createRootlessUser, startRootlessBerthd, type RootlessUser } from '../test/kit/rootless-user';
import { median, timeIt } from './measure';

const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1] || 15) || 15;
const NETWORK = args.includes('--network') ? args[args.indexOf('--network') + 1]! : 'default';

async function main(): Promise<void> {
  let rootful: TestDaemon | undefined;
  let u: RootlessUser | undefined;
  let rootless: Awaited<ReturnType<typeof startRootlessBerthd>> | undefined;
  try {
    rootful = await startDaemon('brlful');
    u = await createRootlessUser('b');
    rootless = await startRootlessBerthd(u);
    const tar = await makeBusyboxTar(path.join(u.base, 'bb.tar'));
    const rootlessEnv = { ...process.env, DOCKER_HOST: rootless.host, BERTH_HOST: rootless.host };
    execFileSync(DOCKER, ['import', tar, 'benchbb:latest'], { env: rootful.env, stdio: 'ignore' });
    execFileSync(DOCKER, ['import', tar, 'benchbb:latest'], { env: rootlessEnv, stdio: 'ignore' });
    // podman needs no checkout: plain setpriv, so its runs carry no extra mount namespace
    const asUser = (argv: string[]) => ['setpriv', `--reuid=${u!.uid}`, `--regid=${u!.gid}`, '--init-groups', 'env', '-i', ...Object.entries(u!.env).map(([k, v]) => `${k}=${v}`), ...argv];
    const podmanOk = spawnSync('podman', ['--version']).status === 0;
    if (podmanOk) execFileSync(asUser(['podman', 'import', tar, 'benchbb:latest'])[0]!, asUser(['podman', 'import', tar, 'benchbb:latest']).slice(1), { stdio: 'ignore', cwd: u.base });
    if (NETWORK === 'user') {
      execFileSync(DOCKER, ['network', 'create', 'benchnet'], { env: rootful.env, stdio: 'ignore' });
      execFileSync(DOCKER, ['network', 'create', 'benchnet'], { env: rootlessEnv, stdio: 'ignore' });
      if (podmanOk) execFileSync(asUser(['podman', 'network', 'create', 'benchnet'])[0]!, asUser(['podman', 'network', 'create', 'benchnet']).slice(1), { stdio: 'ignore', cwd: u.base });
    }
    const net = NETWORK === 'default' ? [] : ['--network', NETWORK === 'user' ? 'benchnet' : NETWORK];
    const cases: Array<{ name: string; argv: string[]; env: NodeJS.ProcessEnv }> = [
      { name: 'rootful berth', argv: [BERTH, 'run', '--rm', ...net, 'benchbb', 'true'], env: rootful.env },
      { name: 'rootless berth', argv: [BERTH, 'run', '--rm', ...net, 'benchbb', 'true'], env: rootlessEnv },
      ...(podmanOk ? [{ name: 'rootless podman', argv: asUser(['podman', 'run', '--rm', ...net, 'benchbb', 'true']), env: process.env }] : []),
      { name: 'setpriv alone', argv: asUser(['true']), env: process.env },
    ];
    for (const c of cases) timeIt(c.argv, c.env); // warm-up (podman makes its pause process here)
    const samples = cases.map(() => [] as number[]);
    for (let i = 0; i < RUNS; i++) cases.forEach((c, j) => samples[j]!.push(timeIt(c.argv, c.env)));
    const med = samples.map(median);
    const base = med[0]!;
    process.stdout.write(`run --rm busybox true (network ${NETWORK}, ${RUNS} runs interleaved, medians)\n`);
    cases.forEach((c, j) => process.stdout.write(`  ${c.name.padEnd(16)} ${med[j]!.toFixed(1).padStart(7)} ms${j > 0 && c.name !== 'setpriv alone' ? `   ×${(med[j]! / base).toFixed(2)} of rootful berth` : ''}\n`));
    if (podmanOk) process.stdout.write(`  rootless berth / rootless podman: ×${(med[1]! / med[2]!).toFixed(2)}\n`);
    else process.stdout.write('  podman not installed: no podman figure\n');
  } finally {
    if (NETWORK === 'user' && rootful) spawnSync(DOCKER, ['network', 'rm', 'benchnet'], { env: rootful.env, stdio: 'ignore' });
    await rootless?.stop().catch(() => undefined);
    await u?.remove();
    await rootful?.close();
  }
}

void main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});

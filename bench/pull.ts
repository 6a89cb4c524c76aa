/**
 * `docker pull` through berthd (the engine's pull: download, verify, unpack)
 * vs `skopeo copy docker://… dir:…` (download and verify only) of one
 * ~200 MB, 4-layer image of random data in Debian's docker-registry on 127.0.0.1.
 * Each berthd run starts with the image removed, so every layer is fetched.
 * Each sample starts after a `sync` (--no-sync: back to back, so a run also pays
 * the writeback of the one before).
 * Run: npx tsc -p . && node dist/bench/pull.js [totalMiB=200] [runs=3] [--no-sync]
 */
import { spawnSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startDaemon, DOCKER } from '../test/kit/daemon';
import { startDockerRegistry } from '../test/e2e/docker-cli/local-registries';
import { makeRandomImage } from './registry-push-pull';
import { median, timeIt } from './measure';

async function main(): Promise<void> {
  const totalMiB = Number(process.argv[2] ?? 200);
  const runs = Number(process.argv[3] ?? 3);
  const settle = !process.argv.includes('--no-sync');
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-bench-pull-'));
  const cleanups: Array<() => Promise<void>> = [async () => fs.rm(tmp, { recursive: true, force: true })];
  try {
    const image = path.join(tmp, 'image');
    await makeRandomImage(image, totalMiB, 4);
    const reg = await startDockerRegistry();
    cleanups.push(reg.close);
    const ref = `${reg.host}/bench/random:latest`;
    timeIt(['skopeo', '--insecure-policy', 'copy', '-q', '--dest-tls-verify=false', `oci:${image}:latest`, `docker://${ref}`], process.env);
    await fs.rm(image, { recursive: true, force: true });
    const d = await startDaemon('bpull');
    cleanups.push(d.close);

    const berth: number[] = [];
    const skopeo: number[] = [];
    const cpu: number[] = [];
    // the daemon's own CPU time per pull (user+sys, all its threads): tells a CPU-bound pull from a waiting one
    const cpuMs = () => {
      const f = readFileSync(`/proc/${d.proc.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime, stime in USER_HZ (100 on Linux)
    };
    for (let i = 0; i < runs; i++) {
      // each sample starts with no dirty pages from the last one: writeback of a previous run is not charged to the next
      if (settle) spawnSync('sync');
      const c0 = cpuMs();
      berth.push(timeIt([DOCKER, 'pull', '-q', ref], d.env));
      cpu.push(cpuMs() - c0);
      timeIt([DOCKER, 'rmi', ref], d.env);
      const out = path.join(tmp, `dir-${i}`);
      if (settle) spawnSync('sync');
      skopeo.push(timeIt(['skopeo', '--insecure-policy', 'copy', '-q', '--src-tls-verify=false', `docker://${ref}`, `dir:${out}`], process.env));
      await fs.rm(out, { recursive: true, force: true });
    }
    const s = (ms: number) => (ms / 1000).toFixed(2);
    console.log(`pull of ${totalMiB} MiB in 4 gzip layers (skopeo compresses them on push) from docker-registry on 127.0.0.1, median of ${runs} (seconds)`);
    console.log(`${'berthd (docker pull)'.padEnd(22)} ${'skopeo copy dir:'.padStart(16)} ${'ratio'.padStart(7)}`);
    console.log(`${s(median(berth)).padEnd(22)} ${s(median(skopeo)).padStart(16)} ${(median(berth) / median(skopeo)).toFixed(2).padStart(7)}`);
    console.log(`samples: berthd ${berth.map(s).join(' ')}; skopeo ${skopeo.map(s).join(' ')}`);
    console.log(`berthd CPU per pull (s): ${cpu.map(s).join(' ')}`);
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});

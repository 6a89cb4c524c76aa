/**
 * `docker build` of one small Dockerfile (COPY of a context, three RUNs, metadata steps) through
 * the docker CLI's classic builder: berthd vs dockerd (Debian's docker.io, where installed),
 * uncached (`--no-cache`) and fully cached. Medians of N interleaved runs (default 5).
 * Usage: node dist/bench/build.js [--runs N]
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startDaemon, DOCKER, type TestDaemon } from '../test/kit/daemon';
import { makeBusyboxTar } from '../test/kit/busybox';
import { median, timeIt } from './measure';
import { startDockerd } from './dockerd';

const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1] || 5) || 5;

const DOCKERFILE = [
  'FROM benchbb',
  'ENV APP=/app',
  'WORKDIR /app',
  'COPY . .',
  'RUN cat /app/f1.txt > /app/joined.txt',
  'RUN ls -R /app > /app/listing.txt',
  'RUN echo done > /done',
  'EXPOSE 8080',
  'CMD ["cat", "/done"]',
].join('\n');

async function main(): Promise<void> {
  const base = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-buildbench-'));
  let d: TestDaemon | undefined;
  let dockerd: Awaited<ReturnType<typeof startDockerd>>;
  try {
    const ctx = path.join(base, 'ctx');
    await fs.mkdir(ctx);
    await fs.writeFile(path.join(ctx, 'Dockerfile'), DOCKERFILE);
    for (let i = 0; i < 50; i++) await fs.writeFile(path.join(ctx, `f${i}.txt`), `file ${i}\n`.repeat(100));
    const tar = await makeBusyboxTar(path.join(base, 'bb.tar'));
    d = await startDaemon('bbench');
    execFileSync(DOCKER, ['import', tar, 'benchbb:latest'], { env: d.env, stdio: 'ignore' });
    const env = (e: NodeJS.ProcessEnv) => ({ ...e, DOCKER_BUILDKIT: '0' });
    const subjects = [
      { name: 'berthd, --no-cache', argv: [DOCKER, 'build', '-q', '--no-cache', '--network', 'none', '-t', 'bench:1', ctx], env: env(d.env), samples: [] as number[] },
      { name: 'berthd, cached', argv: [DOCKER, 'build', '-q', '--network', 'none', '-t', 'bench:1', ctx], env: env(d.env), samples: [] as number[] },
    ];
    dockerd = await startDockerd(base, 'none');
    if (dockerd) {
      execFileSync(DOCKER, ['import', tar, 'benchbb:latest'], { env: dockerd.env, stdio: 'ignore' });
      subjects.push({ name: 'dockerd, --no-cache', argv: [DOCKER, 'build', '-q', '--no-cache', '--network', 'none', '-t', 'bench:1', ctx], env: env(dockerd.env), samples: [] });
      subjects.push({ name: 'dockerd, cached', argv: [DOCKER, 'build', '-q', '--network', 'none', '-t', 'bench:1', ctx], env: env(dockerd.env), samples: [] });
    }
    for (const s of subjects) timeIt(s.argv, s.env); // warm-up (fills the caches)
    for (let i = 0; i < RUNS; i++) for (const s of subjects) s.samples.push(timeIt(s.argv, s.env));
    console.log(`docker build (classic builder), 9 steps, 51-file context, median of ${RUNS} interleaved runs (ms):`);
    const med = new Map<string, number>();
    for (const s of subjects) {
      med.set(s.name, median(s.samples));
      console.log(`  ${s.name.padEnd(22)} ${median(s.samples).toFixed(0).padStart(7)}   (min ${Math.min(...s.samples).toFixed(0)}, max ${Math.max(...s.samples).toFixed(0)})`);
    }
    if (dockerd) {
      console.log(`ratio berthd / dockerd: --no-cache ${(med.get('berthd, --no-cache')! / med.get('dockerd, --no-cache')!).toFixed(2)}, cached ${(med.get('berthd, cached')! / med.get('dockerd, cached')!).toFixed(2)}`);
    } else console.log('dockerd not installed (apt-get install docker.io): no Docker ratio this run');
  } finally {
    await dockerd?.stop().catch(() => undefined);
    await d?.close();
    await fs.rm(base, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});

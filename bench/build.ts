/**
 * `docker build` through berthd beside dockerd (Debian's docker.io, where installed), uncached
 * (`--no-cache`) and fully cached, medians of N interleaved runs (default 5), for three Dockerfiles:
 *  - classic: COPY of a 51-file context, three RUNs, metadata steps;
 *  - stages: three stages that do not depend on each other and a final one that copies from each;
 *  - cache-mount: a RUN that fills a cache mount once and reads it on every later run.
 * dockerd runs them with its classic builder (the docker CLI 28 without buildx; the cache-mount
 * Dockerfile needs BuildKit) and with BuildKit through Debian's docker CLI 20.10, which drives
 * dockerd's built-in BuildKit without buildx.
 * Usage: node dist/bench/build.js [--runs N]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startDaemon, DOCKER, type TestDaemon } from '../test/kit/daemon';
import { makeBusyboxTar } from '../test/kit/busybox';
import { median, timeIt } from './measure';
import { startDockerd } from './dockerd';

const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1] || 5) || 5;
/** Debian's docker.io CLI (20.10): BuildKit builds without the buildx plugin. */
const DOCKER_20 = '/usr/bin/docker';

const WORK = (name: string) => `RUN mkdir /out && for i in $(seq 1 200); do echo ${name} $i > /out/f$i; done && cat /out/f* | md5sum > /out/${name}.sum`;

const SCENARIOS: Array<{ name: string; dockerfile: string; classic: boolean }> = [
  {
    name: 'classic',
    classic: true,
    dockerfile: ['FROM benchbb', 'ENV APP=/app', 'WORKDIR /app', 'COPY . .', 'RUN cat /app/f1.txt > /app/joined.txt', 'RUN ls -R /app > /app/listing.txt', 'RUN echo done > /done', 'EXPOSE 8080', 'CMD ["cat", "/done"]'].join('\n'),
  },
  {
    name: 'stages',
    classic: true,
    dockerfile: [
      'FROM benchbb AS a', WORK('a'), 'RUN sleep 0.3',
      'FROM benchbb AS b', WORK('b'), 'RUN sleep 0.3',
      'FROM benchbb AS c', WORK('c'), 'RUN sleep 0.3',
      'FROM benchbb', 'COPY --from=a /out/a.sum /a.sum', 'COPY --from=b /out/b.sum /b.sum', 'COPY --from=c /out/c.sum /c.sum', 'CMD ["cat", "/a.sum"]',
    ].join('\n'),
  },
  {
    name: 'cache-mount',
    classic: false,
    dockerfile: [
      'FROM benchbb',
      'RUN --mount=type=cache,target=/cache sh -c \'[ -f /cache/data ] || dd if=/dev/urandom of=/cache/data bs=1M count=32 2>/dev/null; md5sum /cache/data > /sum\'',
      'CMD ["cat", "/sum"]',
    ].join('\n'),
  },
];

interface Subject { name: string; argv: string[]; env: NodeJS.ProcessEnv; samples: number[] }

async function main(): Promise<void> {
  const base = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-buildbench-'));
  let d: TestDaemon | undefined;
  let dockerd: Awaited<ReturnType<typeof startDockerd>>;
  try {
    const tar = await makeBusyboxTar(path.join(base, 'bb.tar'));
    d = await startDaemon('bbench');
    execFileSync(DOCKER, ['import', tar, 'benchbb:latest'], { env: d.env, stdio: 'ignore' });
    dockerd = await startDockerd(base, 'none');
    if (dockerd) execFileSync(DOCKER, ['import', tar, 'benchbb:latest'], { env: dockerd.env, stdio: 'ignore' });
    const buildkit = dockerd && existsSync(DOCKER_20);
    for (const sc of SCENARIOS) {
      const ctx = path.join(base, `ctx-${sc.name}`);
      await fs.mkdir(ctx);
      await fs.writeFile(path.join(ctx, 'Dockerfile'), sc.dockerfile);
      for (let i = 0; i < 50; i++) await fs.writeFile(path.join(ctx, `f${i}.txt`), `file ${i}\n`.repeat(100));
      const build = (bin: string, cached: boolean) => [bin, 'build', '-q', ...(cached ? [] : ['--no-cache']), '--network', 'none', '-t', `bench-${sc.name}:1`, ctx];
      const classicEnv = (e: NodeJS.ProcessEnv) => ({ ...e, DOCKER_BUILDKIT: '0' });
      const subjects: Subject[] = [];
      const add = (name: string, bin: string, env: NodeJS.ProcessEnv) => {
        subjects.push({ name: `${name}, --no-cache`, argv: build(bin, false), env, samples: [] });
        subjects.push({ name: `${name}, cached`, argv: build(bin, true), env, samples: [] });
      };
      add('berthd', DOCKER, classicEnv(d.env));
      if (dockerd && sc.classic) add('dockerd classic', DOCKER, classicEnv(dockerd.env));
      if (dockerd && buildkit) add('dockerd BuildKit', DOCKER_20, { ...dockerd.env, DOCKER_BUILDKIT: '1' });
      for (const s of subjects) timeIt(s.argv, s.env); // warm-up (fills the caches)
      for (let i = 0; i < RUNS; i++) for (const s of subjects) s.samples.push(timeIt(s.argv, s.env));
      console.log(`${sc.name}: median of ${RUNS} interleaved runs (ms):`);
      const med = new Map<string, number>();
      for (const s of subjects) {
        med.set(s.name, median(s.samples));
        console.log(`  ${s.name.padEnd(28)} ${median(s.samples).toFixed(0).padStart(7)}   (min ${Math.min(...s.samples).toFixed(0)}, max ${Math.max(...s.samples).toFixed(0)})`);
      }
      for (const other of ['dockerd classic', 'dockerd BuildKit']) {
        const u = med.get(`${other}, --no-cache`);
        const c = med.get(`${other}, cached`);
        if (u && c) console.log(`  ratio berthd / ${other}: --no-cache ${(med.get('berthd, --no-cache')! / u).toFixed(2)}, cached ${(med.get('berthd, cached')! / c).toFixed(2)}`);
      }
    }
    if (!dockerd) console.log('dockerd not installed (apt-get install docker.io): no Docker ratios this run');
    else if (!buildkit) console.log(`${DOCKER_20} missing: no BuildKit ratios this run`);
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

/**
 * `berth kube play` of a Deployment with 2 replicas (busybox httpd) behind a LoadBalancer Service,
 * then `kube down`, through berthd: medians of N runs (default 7) after one warm-up (which also
 * makes the infra image), beside `docker run -d` of one container for scale.
 * Usage: node dist/bench/kube-play.js [--runs N]
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startDaemon, BERTH, DOCKER, type TestDaemon } from '../test/kit/daemon';
import { makeBusyboxTar } from '../test/kit/busybox';
import { freeLowPort } from '../test/kit/ports';
import { freeSubnet } from '../test/kit/subnets';
import { median, timeIt } from './measure';

const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1] || 7) || 7;

const manifest = (port: number) => `apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{ name: web, image: benchbb, command: [httpd, -f, -p, "8080", -h, /etc], ports: [{ containerPort: 8080 }] }]
---
apiVersion: v1
kind: Service
metadata: { name: web }
spec: { type: LoadBalancer, selector: { app: web }, ports: [{ port: ${port}, targetPort: 8080 }] }
`;

async function main(): Promise<void> {
  const base = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-kubebench-'));
  let d: TestDaemon | undefined;
  try {
    d = await startDaemon('kbench');
    const env = d.env;
    execFileSync(DOCKER, ['import', await makeBusyboxTar(path.join(base, 'bb.tar')), 'benchbb:latest'], { env, stdio: 'ignore' });
    // the namespace network on a subnet no host route uses (a play would pick one from Docker's pools)
    const network = () => execFileSync(DOCKER, ['network', 'create', '--subnet', freeSubnet(), '--label', 'io.berth.kube.namespace=default', 'kube-default'], { env, stdio: 'ignore' });
    const file = path.join(base, 'web.yaml');
    await fs.writeFile(file, manifest(freeLowPort()));
    const play: number[] = [];
    const down: number[] = [];
    const run: number[] = [];
    for (let i = 0; i <= RUNS; i++) {
      network();
      const p = timeIt([BERTH, 'kube', 'play', file], env);
      const dn = timeIt([BERTH, 'kube', 'down', file], env);
      const r = timeIt([DOCKER, 'run', '-d', '--name', `one${i}`, 'benchbb', 'sleep', '60'], env);
      execFileSync(DOCKER, ['rm', '-f', `one${i}`], { env, stdio: 'ignore' });
      if (i === 0) continue; // warm-up: makes the infra image
      play.push(p);
      down.push(dn);
      run.push(r);
    }
    console.log(`berth CLI → berthd, median of ${RUNS} runs (ms):`);
    console.log(`  kube play (Deployment ×2 + Service: 4 containers)  ${median(play).toFixed(0).padStart(6)}   (min ${Math.min(...play).toFixed(0)}, max ${Math.max(...play).toFixed(0)})`);
    console.log(`  kube down                                          ${median(down).toFixed(0).padStart(6)}`);
    console.log(`  docker run -d (one container, for scale)           ${median(run).toFixed(0).padStart(6)}`);
    console.log(`  load average at the end: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  } finally {
    await d?.close();
    await fs.rm(base, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});

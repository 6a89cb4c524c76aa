/**
 * Not a test: prints the latency of create+start+exit of `true` through the
 * conmon runtime vs `runc run` of the same bundle.
 * Run: node dist/test/integration/runtime/measure-latency.js [rounds]
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { openRuntimeFixture } from './runtime-fixture';

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 10);
  const fx = await openRuntimeFixture();
  try {
    const viaConmon: number[] = [];
    const viaRunc: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const id = fx.newId();
      const bundleDir = await fx.bundle(id, ['true']);
      const t0 = process.hrtime.bigint();
      await fx.runtime.create({ id, bundleDir, log: { driver: 'k8s-file', path: path.join(bundleDir, 'log') }, terminal: false, stdin: false, stdinOnce: false });
      await fx.runtime.start(id);
      while ((await fx.runtime.exitCode(id)) === undefined) await new Promise((r) => setTimeout(r, 2));
      viaConmon.push(Number(process.hrtime.bigint() - t0) / 1e6);
      await fx.runtime.delete(id, true);

      const id2 = fx.newId();
      const t1 = process.hrtime.bigint();
      execFileSync('runc', ['--root', fx.runtime.oci.root, 'run', '--bundle', bundleDir, id2], { stdio: 'ignore' });
      viaRunc.push(Number(process.hrtime.bigint() - t1) / 1e6);
    }
    const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!.toFixed(1);
    process.stdout.write(`rounds=${rounds} conmon+${fx.runtime.name} median ${med(viaConmon)} ms; runc run median ${med(viaRunc)} ms\n`);
  } finally {
    await fx.dispose();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${String(e)}\n`);
  process.exitCode = 1;
});

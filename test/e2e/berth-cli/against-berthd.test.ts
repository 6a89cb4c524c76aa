/**
 * bin/berth against berthd: the `run` path the latency work touched (no ping, attach and
 * wait together, pumping from before start) keeps Docker's exit codes and output.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { startDaemon, cli, BERTH, type TestDaemon } from '../../kit/daemon';
import { makeBusyboxTar } from '../../kit/busybox';

let d: TestDaemon;
const berth = (args: string[], input?: string) => cli(BERTH, d, args, input === undefined ? {} : { input });

describe('berth CLI against berthd', () => {
  before(async () => {
    d = await startDaemon('bcli');
    const r = await berth(['import', await makeBusyboxTar(path.join(d.base, 'bb.tar')), 'bb:latest']);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await d?.close();
  });

  test('a silent container that exits before start answers still gives its code (run --rm, start -a)', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await berth(['run', '--rm', '--network', 'none', 'bb', 'sh', '-c', 'exit 3']);
      assert.deepEqual([r.code, r.stdout, r.stderr], [3, '', '']);
    }
    const id = (await berth(['create', '--network', 'none', 'bb', 'sh', '-c', 'exit 5'])).stdout.trim();
    assert.equal((await berth(['start', '-a', id])).code, 5);
    assert.equal((await berth(['rm', id])).code, 0);
  });

  test('run --rm: output on both streams, and the container is gone when the CLI returns', async () => {
    const r = await berth(['run', '--rm', '--name', 'gone', '--network', 'none', 'bb', 'sh', '-c', 'echo out; echo err >&2; exit 4']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [4, 'out\n', 'err\n']);
    assert.equal((await berth(['ps', '-aq', '--filter', 'name=gone'])).stdout, '');
  });

  test('run -i forwards piped stdin', async () => {
    const r = await berth(['run', '--rm', '-i', '--network', 'none', 'bb', 'cat'], 'piped\n');
    assert.deepEqual([r.code, r.stdout], [0, 'piped\n']);
  });

  test('attach: the output of a running container and its exit code; a stopped one is refused', async () => {
    const id = (await berth(['run', '-d', '--network', 'none', 'bb', 'sh', '-c', 'while [ ! -e /go ]; do sleep 0.05; done; echo out; echo err >&2; exit 6'])).stdout.trim();
    const since = String(Math.floor(Date.now() / 1000) - 1);
    try {
      const attached = berth(['attach', id]);
      // an attach sees only what comes after it connected: wait for its event, then let the container speak
      for (;;) {
        const ev = await berth(['events', '--since', since, '--until', String(Math.ceil(Date.now() / 1000)), '--filter', `container=${id}`, '--filter', 'event=attach', '--format', '{{.Action}}']);
        if (ev.stdout.includes('attach')) break;
        assert.equal(ev.code, 0, ev.stderr);
      }
      assert.equal((await berth(['exec', id, 'touch', '/go'])).code, 0);
      const r = await attached;
      assert.deepEqual([r.code, r.stdout, r.stderr], [6, 'out\n', 'err\n']);
      const again = await berth(['attach', id]);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /You cannot attach to a stopped container, start it first/);
    } finally {
      await berth(['rm', '-f', id]);
    }
  });

  test('build: .dockerignore applied client-side (a ! exception inside an excluded dir too), -f, -q, commit and diff', async () => {
    const ctx = path.join(d.base, 'bctx');
    await fs.mkdir(path.join(ctx, 'node_modules/keep'), { recursive: true });
    await fs.mkdir(path.join(ctx, 'docker'), { recursive: true });
    await fs.writeFile(path.join(ctx, 'docker/app.Dockerfile'), 'FROM bb\nCOPY . /ctx/\nRUN ls -R /ctx > /listing\nCMD ["cat", "/listing"]\n');
    await fs.writeFile(path.join(ctx, '.dockerignore'), 'node_modules\n!node_modules/keep\n*.log\n');
    await fs.writeFile(path.join(ctx, 'node_modules/big.js'), 'x');
    await fs.writeFile(path.join(ctx, 'node_modules/keep/k.txt'), 'k');
    await fs.writeFile(path.join(ctx, 'debug.log'), 'log');
    await fs.writeFile(path.join(ctx, 'main.txt'), 'main');
    const b = await berth(['build', '-q', '-f', path.join(ctx, 'docker/app.Dockerfile'), '-t', 'bcli-built', ctx]);
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stdout, /^sha256:[0-9a-f]{64}\n$/);
    const listing = (await berth(['run', '--rm', '--network', 'none', 'bcli-built'])).stdout;
    assert.match(listing, /main\.txt/);
    assert.match(listing, /k\.txt/);
    assert.doesNotMatch(listing, /big\.js|debug\.log/);
    const fail = await berth(['build', '-f', path.join(ctx, 'docker/app.Dockerfile'), '--build-arg', 'UNUSED=1', '-t', 'bcli-built:2', ctx]);
    assert.equal(fail.code, 0, fail.stderr);
    assert.match(fail.stdout, /Using cache/);
    assert.match(fail.stdout, /\[Warning\] One or more build-args \[UNUSED\] were not consumed/);
    const c = await berth(['run', '--name', 'bcli-diff', '--network', 'none', 'bb', 'touch', '/made']);
    assert.equal(c.code, 0, c.stderr);
    assert.equal((await berth(['diff', 'bcli-diff'])).stdout, 'A /made\n');
    const id = (await berth(['commit', 'bcli-diff', 'bcli-committed'])).stdout.trim();
    assert.match(id, /^sha256:/);
    assert.equal((await berth(['run', '--rm', '--network', 'none', 'bcli-committed', 'ls', '/made'])).stdout, '/made\n');
    await berth(['rm', '-f', 'bcli-diff']);
    await berth(['rmi', 'bcli-built', 'bcli-built:2', 'bcli-committed']);
  });

  test('exit codes 125, 126, 127', async () => {
    assert.equal((await berth(['run', '--rm', '--network', 'none', 'bb', '/nosuchcmd'])).code, 127);
    assert.equal((await berth(['run', '--rm', '--network', 'none', 'bb', '/etc'])).code, 126);
    assert.equal((await berth(['run', '--rm', '--bogus-flag', 'bb', 'true'])).code, 125);
  });
});

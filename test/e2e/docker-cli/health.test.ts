/**
 * The real docker CLI (28) against berthd: healthchecks from `--health-*` flags and from
 * an image's HEALTHCHECK (built here), their states in ps and inspect, the
 * health_status events, the ps filter, and `--no-healthcheck`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startDaemon, cli, DOCKER, type TestDaemon } from '../../kit/daemon';
import { makeBusyboxTar } from '../../kit/busybox';

let d: TestDaemon;
const docker = (args: string[], opts?: { input?: string | Buffer; timeoutMs?: number }) => cli(DOCKER, d, args, opts);
const uniq = (what: string): string => `${what}-${randomBytes(3).toString('hex')}`;
const T = { timeout: 120_000 };

interface Health { Status: string; FailingStreak: number; Log: Array<{ Start: string; ExitCode: number; Output: string }> }

async function health(name: string): Promise<Health | null> {
  const r = await docker(['inspect', '--format', '{{json .State.Health}}', name]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Health | null;
}

async function waitForStatus(name: string, status: string, ms = 20_000): Promise<Health> {
  const end = Date.now() + ms;
  for (;;) {
    const h = await health(name);
    if (h?.Status === status) return h;
    if (Date.now() > end) throw new Error(`${name} never became ${status}: ${JSON.stringify(h)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('docker CLI healthchecks against berthd', () => {
  before(async () => {
    d = await startDaemon('hlth');
    const tar = await makeBusyboxTar(path.join(d.base, 'bb.tar'));
    const r = await docker(['import', tar, 'bb:latest']);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await d?.close();
  });

  test('--health-cmd: starting, healthy, then unhealthy after --health-retries failures, with events and ps', T, async () => {
    const name = uniq('hc');
    const since = Math.floor(Date.now() / 1000) - 1;
    try {
      const r = await docker(['run', '-d', '--name', name, '--network', 'none', '--health-cmd', 'cat /tmp/ok', '--health-interval', '300ms', '--health-retries', '2', 'bb', 'sh', '-c', 'echo fine > /tmp/ok; sleep 1000']);
      assert.equal(r.code, 0, r.stderr);
      const h = await waitForStatus(name, 'healthy');
      assert.equal(h.Log.at(-1)?.Output, 'fine\n');
      assert.match((await docker(['ps', '--filter', `name=${name}`, '--format', '{{.Status}}'])).stdout, /\(healthy\)$/m);
      assert.equal((await docker(['ps', '-q', '--filter', 'health=healthy', '--filter', `name=${name}`])).stdout.trim().length, 12);
      assert.equal((await docker(['exec', name, 'rm', '/tmp/ok'])).code, 0);
      const bad = await waitForStatus(name, 'unhealthy');
      assert.ok(bad.FailingStreak >= 2);
      assert.notEqual(bad.Log.at(-1)?.ExitCode, 0);
      const ev = await docker(['events', '--since', String(since), '--until', String(Math.floor(Date.now() / 1000) + 1), '--filter', `container=${name}`, '--format', '{{.Action}}']);
      const actions = ev.stdout.split('\n').filter((a) => a.startsWith('health_status'));
      assert.deepEqual(actions, ['health_status: healthy', 'health_status: unhealthy']);
      // healthcheck execs are not the user's: inspect lists none
      assert.equal((await docker(['inspect', '--format', '{{json .ExecIDs}}', name])).stdout.trim(), 'null');
    } finally {
      await docker(['rm', '-f', name]);
    }
  });

  test('an image HEALTHCHECK applies; a slow check times out; --no-healthcheck turns it off', T, async () => {
    const tag = uniq('hcimg');
    const ctx = await fs.mkdtemp(path.join(d.base, 'hctx-'));
    const a = uniq('img');
    const b = uniq('off');
    try {
      await fs.writeFile(path.join(ctx, 'Dockerfile'), 'FROM bb\nHEALTHCHECK --interval=300ms --timeout=200ms --retries=1 CMD sleep 5\n');
      const built = await docker(['build', '-q', '-t', tag, ctx]);
      assert.equal(built.code, 0, built.stderr);
      assert.equal((await docker(['run', '-d', '--name', a, '--network', 'none', tag, 'sleep', '1000'])).code, 0);
      const h = await waitForStatus(a, 'unhealthy');
      assert.match(h.Log.at(-1)?.Output ?? '', /Health check exceeded timeout/);
      assert.equal((await docker(['run', '-d', '--name', b, '--network', 'none', '--no-healthcheck', tag, 'sleep', '1000'])).code, 0);
      // b runs what a runs, but no probes: wait until a probe of a began two intervals after b started
      const bStarted = Date.parse((await docker(['inspect', '--format', '{{.State.StartedAt}}', b])).stdout.trim());
      const end = Date.now() + 20_000;
      while (!(await health(a))?.Log.some((l) => Date.parse(l.Start) > bStarted + 600)) {
        assert.ok(Date.now() < end, `${a} ran no probe after ${b} started`);
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(await health(b), null);
    } finally {
      await docker(['rm', '-f', a, b]);
      await docker(['rmi', '-f', tag]);
      await fs.rm(ctx, { recursive: true, force: true });
    }
  });
});

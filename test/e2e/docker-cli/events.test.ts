/**
 * The real docker CLI's `docker events` against berthd: the actions and Actor.Attributes dockerd
 * reports for containers, images, networks, volumes and the builder, replayed with --since/--until,
 * and the CLI's filters.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startDaemon, cli, DOCKER, type TestDaemon } from '../../kit/daemon';
import { makeBusyboxTar } from '../../kit/busybox';

let d: TestDaemon;
const docker = (args: string[], opts?: { input?: string | Buffer; timeoutMs?: number }) => cli(DOCKER, d, args, opts);
const uniq = (what: string): string => `${what}-${randomBytes(3).toString('hex')}`;
const T = { timeout: 120_000 };
const now = () => (Date.now() / 1000).toFixed(3);

interface Ev { Type: string; Action: string; Actor: { ID: string; Attributes: Record<string, string> }; scope: string; timeNano: number }

async function ok(args: string[]): Promise<string> {
  const r = await docker(args);
  assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

/** Kept events from `since` up to now, through the CLI. */
async function events(since: string, filters: string[] = []): Promise<Ev[]> {
  const out = await ok(['events', '--since', since, '--until', now(), '--format', '{{json .}}', ...filters.flatMap((f) => ['--filter', f])]);
  return out ? out.split('\n').map((l) => JSON.parse(l) as Ev) : [];
}

function post(p: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: d.socket, method: 'POST', path: p }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

const find = (evs: Ev[], type: string, action: string) => evs.find((e) => e.Type === type && e.Action === action);

describe('docker events against berthd', () => {
  before(async () => {
    d = await startDaemon('evts');
    const tar = await makeBusyboxTar(path.join(d.base, 'bb.tar'));
    await ok(['import', tar, 'bb:latest']);
  });
  after(async () => {
    await d?.close();
  });

  test('a container lifecycle reports what dockerd reports, in order, with its attributes', T, async () => {
    const name = uniq('life');
    const renamed = `${name}-2`;
    const since = now();
    try {
      const id = await ok(['create', '--name', name, '-t', '--label', 'tier=front', 'bb', 'sleep', '1000']);
      await ok(['start', name]);
      await ok(['top', name]);
      assert.equal(await post(`/containers/${id}/resize?h=30&w=100`), 200);
      await ok(['exec', name, 'true']);
      await ok(['pause', name]);
      await ok(['unpause', name]);
      await ok(['rename', name, renamed]);
      await ok(['update', '--cpu-shares', '512', renamed]);
      await ok(['export', '-o', path.join(d.base, 'x.tar'), renamed]);
      await ok(['cp', `${renamed}:/etc/hostname`, path.join(d.base, 'hostname')]);
      const img = await ok(['commit', '-m', 'snap', renamed, `${name}:snap`]);
      await ok(['kill', '-s', 'USR1', renamed]);
      await ok(['stop', '-t', '1', renamed]); // sleep as pid 1 ignores SIGTERM: SIGKILL follows
      await ok(['rm', renamed]);
      const evs = (await events(since)).filter((e) => e.Type === 'container' && e.Actor.ID === id);
      assert.deepEqual(evs.map((e) => e.Action), [
        'create', 'start', 'top', 'resize', 'exec_create: true ', 'exec_start: true ', 'exec_die', 'pause', 'unpause', 'rename', 'update',
        'export', 'archive-path', 'commit', 'kill', 'kill', 'kill', 'die', 'stop', 'destroy',
      ]);
      for (const e of evs) {
        assert.equal(e.scope, 'local');
        assert.equal(e.Actor.Attributes.image, 'bb');
        assert.equal(e.Actor.Attributes.tier, 'front', 'container labels ride along');
      }
      assert.deepEqual(find(evs, 'container', 'resize')!.Actor.Attributes, { image: 'bb', name, tier: 'front', height: '30', width: '100' });
      assert.equal(find(evs, 'container', 'rename')!.Actor.Attributes.oldName, `/${name}`);
      assert.equal(find(evs, 'container', 'rename')!.Actor.Attributes.name, renamed);
      assert.deepEqual(evs.filter((e) => e.Action === 'kill').map((e) => e.Actor.Attributes.signal), ['10', '15', '9'], 'signal numbers, as dockerd sends them');
      const commit = find(evs, 'container', 'commit')!.Actor.Attributes;
      assert.deepEqual([commit.comment, commit.imageID, commit.imageRef], ['snap', img, `${name}:snap`]);
      assert.ok(find(evs, 'container', 'exec_die')!.Actor.Attributes.execID);
      assert.equal(find(evs, 'container', 'die')!.Actor.Attributes.exitCode, '137');
    } finally {
      await docker(['rm', '-f', name, renamed]);
      await docker(['rmi', `${name}:snap`]);
    }
  });

  test('images, networks, volumes, prunes and the builder', T, async () => {
    const tag = `${uniq('tg')}:v1`;
    const net = uniq('net');
    const vol = uniq('vol');
    const since = now();
    await ok(['tag', 'bb', tag]);
    await ok(['rmi', tag]);
    await ok(['network', 'create', net]);
    await ok(['volume', 'create', vol]);
    const id = await ok(['run', '-d', '--network', net, '-v', `${vol}:/data`, 'bb', 'sleep', '1000']);
    await ok(['rm', '-f', id]);
    await ok(['network', 'rm', net]);
    await ok(['volume', 'rm', vol]);
    await ok(['container', 'prune', '-f']);
    await ok(['network', 'prune', '-f']);
    await ok(['volume', 'prune', '-f']);
    await ok(['builder', 'prune', '-f']);
    const evs = await events(since);
    const bbId = (await ok(['image', 'inspect', '-f', '{{.Id}}', 'bb']));
    assert.deepEqual(find(evs, 'image', 'tag')!.Actor, { ID: bbId, Attributes: { name: tag } });
    assert.deepEqual(find(evs, 'image', 'untag')!.Actor, { ID: bbId, Attributes: { name: bbId } });
    const netId = find(evs, 'network', 'create')!.Actor.ID;
    assert.deepEqual(find(evs, 'network', 'create')!.Actor.Attributes, { name: net, type: 'bridge' });
    assert.deepEqual(evs.filter((e) => e.Type === 'network' && e.Actor.ID === netId).map((e) => e.Action), ['create', 'connect', 'disconnect', 'destroy']);
    assert.equal(find(evs, 'network', 'connect')!.Actor.Attributes.container, id);
    assert.deepEqual(evs.filter((e) => e.Type === 'volume' && e.Actor.ID === vol).map((e) => e.Action), ['create', 'mount', 'unmount', 'destroy']);
    assert.deepEqual(find(evs, 'volume', 'mount')!.Actor.Attributes, { container: id, destination: '/data', driver: 'local', propagation: '', 'read/write': 'true' });
    for (const type of ['container', 'network', 'volume', 'builder']) {
      assert.ok(find(evs, type, 'prune')?.Actor.Attributes.reclaimed !== undefined, `${type} prune`);
    }
  });

  test('filters: type, event, container, label, image, and replay windows', T, async () => {
    const a = uniq('fa');
    const b = uniq('fb');
    const since = now();
    try {
      await ok(['run', '--name', a, '--label', 'team=red', '--network', 'none', 'bb', 'true']);
      assert.equal((await docker(['run', '--name', b, '--label', 'team=blue', '--network', 'none', 'bb', 'sh', '-c', 'exit 3'])).code, 3);
      const mid = now();
      await ok(['rm', a, b]);
      const dies = await events(since, ['type=container', 'event=die']);
      assert.deepEqual(dies.map((e) => [e.Actor.Attributes.name, e.Actor.Attributes.exitCode]), [[a, '0'], [b, '3']]);
      assert.deepEqual((await events(since, ['container=' + b])).map((e) => e.Action), ['create', 'attach', 'start', 'die', 'destroy']);
      assert.deepEqual((await events(since, ['label=team=red', 'event=destroy'])).map((e) => e.Actor.Attributes.name), [a]);
      assert.deepEqual((await events(since, ['label=team', 'event=start'])).map((e) => e.Actor.Attributes.name), [a, b]);
      assert.equal((await events(since, ['image=bb', 'event=create'])).length, 2);
      assert.deepEqual((await events(since, ['type=network'])).map((e) => `${e.Action} ${JSON.stringify(e.Actor.Attributes)}`), [], '--network none connects nothing');
      // until: the window closes where asked, and the stream ends there
      const early = await ok(['events', '--since', since, '--until', mid, '--filter', 'event=destroy', '--format', '{{.Action}}']);
      assert.equal(early, '');
      const r = await docker(['events', '--since', mid, '--until', since]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /cannot be after `until`/);
    } finally {
      await docker(['rm', '-f', a, b]);
    }
  });

  test('an OOM kill is an oom event before die, and State.OOMKilled', T, async () => {
    const name = uniq('oom');
    const since = now();
    try {
      const r = await docker(['run', '--name', name, '-m', '8m', '--memory-swap', '8m', '--network', 'none', 'bb', 'sh', '-c', 'dd if=/dev/zero of=/dev/shm/fill bs=1M count=64']);
      assert.equal(r.code, 137, r.stderr);
      assert.equal(await ok(['inspect', '-f', '{{.State.OOMKilled}}', name]), 'true');
      assert.deepEqual((await events(since, [`container=${name}`, 'event=oom', 'event=die'])).map((e) => e.Action), ['oom', 'die']);
    } finally {
      await docker(['rm', '-f', name]);
    }
  });
});

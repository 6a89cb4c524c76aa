/**
 * The real docker CLI (28) against berthd: volumes (local driver), named,
 * anonymous and image-declared, with copy-up, in-use protection, `rm -v`,
 * `--volumes-from`, prune and device options. Each test owns its names and
 * removes its containers and volumes in `finally`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startDaemon, cli, DOCKER, type TestDaemon } from '../../kit/daemon';
import { makeBusyboxTar } from '../../kit/busybox';
import type { MountPoint } from '../../../src/protocol/docker/container';

let d: TestDaemon;
const docker = (args: string[], opts?: { input?: string | Buffer; timeoutMs?: number }) => cli(DOCKER, d, args, opts);
const run = randomBytes(3).toString('hex');
const uniq = (what: string): string => `${what}-${run}`;
const T = { timeout: 120_000 };

type MountWire = MountPoint; // the wire shape dockerd sends, as protocol/docker declares it

function api(method: string, p: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: d.socket, method, path: p, timeout: 30_000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function volumeNames(): Promise<string[]> {
  const r = await docker(['volume', 'ls', '-q']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean).sort();
}

async function mountsOf(container: string): Promise<MountWire[]> {
  const r = await docker(['inspect', '--format', '{{json .Mounts}}', container]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as MountWire[];
}

/** Cleanup that runs on failure too: containers first (they hold the volumes). */
async function removeAll(containers: string[], volumes: string[]): Promise<void> {
  if (containers.length) await docker(['rm', '-f', '-v', ...containers]);
  if (volumes.length) await docker(['volume', 'rm', '-f', ...volumes]);
}

function mountedUnder(prefix: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m.startsWith(prefix));
}

describe('docker CLI volumes against berthd', () => {
  before(async () => {
    d = await startDaemon('vol');
    const tar = await makeBusyboxTar(path.join(d.base, 'bb.tar'));
    const r = await docker(['import', tar, 'bb:latest']);
    assert.equal(r.code, 0, r.stderr);
    const v = await docker(['import', '--change', 'VOLUME /seed', tar, 'bbvol:latest']);
    assert.equal(v.code, 0, v.stderr);
  });
  after(async () => {
    await d?.close();
  });

  test('volume create, inspect, ls (--format, -q, --filter) in dockerd\'s shapes', T, async () => {
    const a = uniq('va');
    const b = uniq('vb');
    try {
      const c = await docker(['volume', 'create', a]);
      assert.equal(c.stdout, `${a}\n`, c.stderr);
      const cl = await docker(['volume', 'create', '--label', 'rec=1', '--label', 'k=v', b]);
      assert.equal(cl.code, 0, cl.stderr);
      const raw = await api('GET', `/v1.41/volumes/${a}`);
      assert.equal(raw.status, 200);
      const v = JSON.parse(raw.body) as Record<string, unknown>;
      assert.deepEqual(Object.keys(v).sort(), ['CreatedAt', 'Driver', 'Labels', 'Mountpoint', 'Name', 'Options', 'Scope']);
      assert.equal(v.Driver, 'local');
      assert.equal(v.Scope, 'local');
      assert.equal(v.Labels, null);
      assert.equal(v.Options, null);
      assert.equal(v.Mountpoint, path.join(d.dataRoot, 'volumes', a, '_data'));
      assert.match(String(v.CreatedAt), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.ok(existsSync(String(v.Mountpoint)), 'the data directory exists');
      const insp = await docker(['volume', 'inspect', '--format', '{{.Name}} {{.Driver}} {{.Labels.rec}}', b]);
      assert.equal(insp.stdout, `${b} local 1\n`, insp.stderr);
      const ls = await docker(['volume', 'ls']);
      assert.match(ls.stdout, /^DRIVER\s+VOLUME NAME\n/);
      assert.match(ls.stdout, new RegExp(`^local\\s+${a}$`, 'm'));
      const f = await docker(['volume', 'ls', '--filter', 'label=rec=1', '--format', '{{.Name}} {{.Driver}}']);
      assert.equal(f.stdout, `${b} local\n`, f.stderr);
      assert.deepEqual(await volumeNames(), [a, b].sort());
    } finally {
      await removeAll([], [a, b]);
    }
    assert.deepEqual(await volumeNames(), []);
  });

  test('bad input changes nothing: invalid names, unknown volumes, unknown options, other drivers', T, async () => {
    const before = await volumeNames();
    const short = await docker(['volume', 'create', 'a']);
    assert.match(short.stderr, /create a: volume name is too short, names should be at least two alphanumeric characters/);
    const bad = await docker(['volume', 'create', 'a/b']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /"a\/b" includes invalid characters for a local volume name, only "\[a-zA-Z0-9\]\[a-zA-Z0-9_.-\]" are allowed/);
    const raw = await api('GET', '/v1.41/volumes/nosuchvol');
    assert.equal(raw.status, 404);
    assert.deepEqual(JSON.parse(raw.body), { message: 'get nosuchvol: no such volume' });
    const insp = await docker(['volume', 'inspect', 'nosuchvol']);
    assert.equal(insp.code, 1);
    assert.match(insp.stderr, /get nosuchvol: no such volume/);
    assert.equal((await api('DELETE', '/v1.41/volumes/nosuchvol')).status, 404);
    assert.equal((await api('DELETE', '/v1.41/volumes/nosuchvol?force=1')).status, 204, 'force ignores a missing volume, as dockerd');
    const opt = await docker(['volume', 'create', '--opt', 'color=red', uniq('vopt')]);
    assert.notEqual(opt.code, 0);
    assert.match(opt.stderr, /create vopt-[0-9a-f]+: invalid option: "color"/);
    const half = await docker(['volume', 'create', '--opt', 'type=tmpfs', uniq('vhalf')]);
    assert.match(half.stderr, /missing required option: "device"/);
    const drv = await docker(['volume', 'create', '-d', 'nfsplugin', uniq('vdrv')]);
    assert.notEqual(drv.code, 0);
    assert.match(drv.stderr, /plugin "nfsplugin" not found/);
    // (the CLI makes "./x" absolute itself, so the daemon's rule shows with other characters)
    const runBad = await docker(['run', '--rm', '-v', 'bad@name:/d', 'bb', 'true']);
    assert.equal(runBad.code, 125);
    assert.match(runBad.stderr, /includes invalid characters for a local volume name/);
    // a bad second mount must not leave the first mount's new volume behind
    const runBad2 = await docker(['run', '--rm', '-v', `${uniq('vpart')}:/a`, '-v', 'x:/b:bogus', 'bb', 'true']);
    assert.equal(runBad2.code, 125);
    assert.match(runBad2.stderr, /invalid mode: bogus/);
    assert.deepEqual(await volumeNames(), before);
    const ps = await docker(['ps', '-aq']);
    assert.equal(ps.stdout, '');
  });

  test('a file written through -v NAME:/d in one container is read by another, and by --mount and :ro', T, async () => {
    const v = uniq('vdata');
    try {
      const w = await docker(['run', '--rm', '-v', `${v}:/d`, 'bb', 'sh', '-c', 'echo persisted > /d/f']);
      assert.equal(w.code, 0, w.stderr);
      assert.ok((await volumeNames()).includes(v), 'the volume was created on demand');
      const r = await docker(['run', '--rm', '-v', `${v}:/data:ro`, 'bb', 'cat', '/data/f']);
      assert.equal(r.stdout, 'persisted\n', r.stderr);
      const ro = await docker(['run', '--rm', '-v', `${v}:/data:ro`, 'bb', 'sh', '-c', 'echo x > /data/g']);
      assert.notEqual(ro.code, 0, 'a :ro volume is read-only');
      const m = await docker(['run', '--rm', '--mount', `type=volume,source=${v},target=/m`, 'bb', 'cat', '/m/f']);
      assert.equal(m.stdout, 'persisted\n', m.stderr);
      // --rm removes only anonymous volumes: the named one stays
      assert.ok((await volumeNames()).includes(v));
    } finally {
      await removeAll([], [v]);
    }
  });

  test('volume rm of a volume in use is refused with 409 (running or not) and changes nothing', T, async () => {
    const v = uniq('vuse');
    const c = uniq('holder');
    try {
      const r = await docker(['run', '-d', '--name', c, '-v', `${v}:/data`, 'bb', 'sleep', '300']);
      assert.equal(r.code, 0, r.stderr);
      const id = r.stdout.trim();
      const del = await api('DELETE', `/v1.41/volumes/${v}`);
      assert.equal(del.status, 409);
      assert.deepEqual(JSON.parse(del.body), { message: `remove ${v}: volume is in use - [${id}]` });
      const rm = await docker(['volume', 'rm', v]);
      assert.equal(rm.code, 1);
      assert.match(rm.stderr, /volume is in use/);
      assert.equal((await api('DELETE', `/v1.41/volumes/${v}?force=1`)).status, 409, 'force does not override in-use, as dockerd');
      const mounts = await mountsOf(c);
      assert.deepEqual(mounts, [{ Type: 'volume', Name: v, Source: path.join(d.dataRoot, 'volumes', v, '_data'), Destination: '/data', Driver: 'local', Mode: 'z', RW: true, Propagation: '' }]);
      assert.equal((await docker(['stop', '-t', '0', c])).code, 0);
      assert.equal((await api('DELETE', `/v1.41/volumes/${v}`)).status, 409, 'a stopped container still holds its volumes');
      const dang = await docker(['volume', 'ls', '-q', '--filter', 'dangling=true']);
      assert.doesNotMatch(dang.stdout, new RegExp(`^${v}$`, 'm'));
      assert.ok((await volumeNames()).includes(v));
      assert.equal((await docker(['rm', c])).code, 0);
      const ok = await docker(['volume', 'rm', v]);
      assert.equal(ok.stdout, `${v}\n`, ok.stderr);
    } finally {
      await removeAll([c], [v]);
    }
  });

  test('copy-up: a new volume gets the image\'s content at the mount point, unless nocopy; a non-empty one is left alone', T, async () => {
    const v = uniq('vcopy');
    const n = uniq('vnocopy');
    try {
      const r = await docker(['run', '--rm', '-v', `${v}:/etc`, 'bb', 'cat', '/etc/group']);
      assert.match(r.stdout, /^root:x:0:$/m, r.stderr);
      const host = readFileSync(path.join(d.dataRoot, 'volumes', v, '_data', 'passwd'), 'utf8');
      assert.match(host, /^root:x:0:0:/, 'the copy landed in the volume itself');
      const again = await docker(['run', '--rm', '-v', `${v}:/etc`, 'bb', 'sh', '-c', 'rm /etc/group; ls /etc']);
      assert.equal(again.code, 0, again.stderr);
      const third = await docker(['run', '--rm', '-v', `${v}:/etc`, 'bb', 'ls', '/etc']);
      assert.match(third.stdout, /^passwd$/m, third.stderr);
      assert.doesNotMatch(third.stdout, /^group$/m, 'a non-empty volume is not copied into again');
      const nc = await docker(['run', '--rm', '--mount', `type=volume,src=${n},dst=/etc,volume-nocopy`, 'bb', 'ls', '-A', '/etc']);
      assert.equal(nc.code, 0, nc.stderr);
      // only the runtime's own mount points (hosts, hostname, resolv.conf) appear: nothing from the image
      assert.doesNotMatch(nc.stdout, /^(passwd|group)$/m, 'nocopy leaves the image content out');
    } finally {
      await removeAll([], [v, n]);
    }
  });

  test('-v /dst and image VOLUMEs get anonymous volumes; rm -v drops them, rm keeps them, --rm drops them', T, async () => {
    const c1 = uniq('anon1');
    const c2 = uniq('anon2');
    let kept = '';
    try {
      const before = await volumeNames();
      assert.equal((await docker(['create', '--name', c1, '-v', '/anon', 'bbvol', 'true'])).code, 0);
      const m = await mountsOf(c1);
      const byDest = new Map(m.map((x) => [x.Destination, x]));
      assert.deepEqual([...byDest.keys()].sort(), ['/anon', '/seed']);
      for (const x of m) {
        assert.equal(x.Type, 'volume');
        assert.match(x.Name ?? '', /^[0-9a-f]{64}$/);
        assert.equal(x.Source, path.join(d.dataRoot, 'volumes', x.Name!, '_data'));
        assert.equal(x.Mode, '');
        assert.equal(x.RW, true);
      }
      assert.equal((await volumeNames()).length, before.length + 2);
      assert.equal((await docker(['rm', '-v', c1])).code, 0);
      assert.deepEqual(await volumeNames(), before, 'rm -v removed both anonymous volumes');

      assert.equal((await docker(['create', '--name', c2, '-v', '/anon', 'bb', 'true'])).code, 0);
      kept = (await mountsOf(c2))[0]!.Name!;
      assert.equal((await docker(['rm', c2])).code, 0);
      assert.ok((await volumeNames()).includes(kept), 'rm without -v keeps anonymous volumes');

      const r = await docker(['run', '--rm', '-v', '/scratch', 'bb', 'sh', '-c', 'echo x > /scratch/f']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(await volumeNames(), [...before, kept].sort(), '--rm removed its anonymous volume');
    } finally {
      await removeAll([c1, c2], kept ? [kept] : []);
    }
  });

  test('--volumes-from shares the other container\'s volumes (and :ro makes them read-only)', T, async () => {
    const v = uniq('vfrom');
    const src = uniq('src');
    try {
      assert.equal((await docker(['create', '--name', src, '-v', `${v}:/shared`, '-v', '/anon', 'bb', 'true'])).code, 0);
      const w = await docker(['run', '--rm', '--volumes-from', src, 'bb', 'sh', '-c', 'echo via-from > /shared/f && echo a > /anon/a']);
      assert.equal(w.code, 0, w.stderr);
      const r = await docker(['run', '--rm', '-v', `${v}:/x`, 'bb', 'cat', '/x/f']);
      assert.equal(r.stdout, 'via-from\n', r.stderr);
      const ro = await docker(['run', '--rm', '--volumes-from', `${src}:ro`, 'bb', 'sh', '-c', 'echo y > /shared/g']);
      assert.notEqual(ro.code, 0, ':ro applies');
      const anon = (await mountsOf(src)).find((m) => m.Destination === '/anon')!.Name!;
      assert.ok((await volumeNames()).includes(anon), 'the --rm user of a shared anonymous volume did not remove it');
      const missing = await docker(['create', '--volumes-from', 'nosuch-container-x', 'bb', 'true']);
      assert.notEqual(missing.code, 0);
    } finally {
      await removeAll([src], [v]);
    }
  });

  test('volume prune removes unused volumes (label filter honoured) and keeps those in use', T, async () => {
    const used = uniq('pused');
    const free = uniq('pfree');
    const other = uniq('pother');
    const c = uniq('puser');
    try {
      assert.equal((await docker(['volume', 'create', '--label', 'p=1', free])).code, 0);
      assert.equal((await docker(['volume', 'create', '--label', 'p=1', used])).code, 0);
      assert.equal((await docker(['volume', 'create', other])).code, 0);
      assert.equal((await docker(['create', '--name', c, '-v', `${used}:/u`, 'bb', 'true'])).code, 0);
      const dang = await docker(['volume', 'ls', '-q', '--filter', 'dangling=true']);
      assert.deepEqual(dang.stdout.split('\n').filter(Boolean).sort(), [free, other].sort());
      // named volumes go only with -a since API 1.42 (the CLI sends all=true)
      assert.equal((await docker(['volume', 'prune', '-f', '--filter', 'label=p=1'])).stdout, 'Total reclaimed space: 0B\n');
      const p = await docker(['volume', 'prune', '-a', '-f', '--filter', 'label=p=1']);
      assert.equal(p.code, 0, p.stderr);
      assert.equal(p.stdout, `Deleted Volumes:\n${free}\n\nTotal reclaimed space: 0B\n`);
      assert.deepEqual(await volumeNames(), [used, other].sort());
      const all = await api('POST', '/v1.41/volumes/prune');
      assert.deepEqual(JSON.parse(all.body), { VolumesDeleted: [other], SpaceReclaimed: 0 });
      assert.deepEqual(await volumeNames(), [used]);
      const none = await api('POST', '/v1.41/volumes/prune');
      assert.deepEqual(JSON.parse(none.body), { VolumesDeleted: [], SpaceReclaimed: 0 }, 'dockerd 20.10 answers [] when nothing went');
      const badFilter = await api('POST', '/v1.41/volumes/prune?filters=%7B%22dangling%22%3A%7B%22true%22%3Atrue%7D%7D');
      assert.equal(badFilter.status, 400);
      assert.deepEqual(JSON.parse(badFilter.body), { message: "Invalid filter 'dangling'" });
    } finally {
      await removeAll([c], [used, free, other]);
    }
  });

  test('a tmpfs volume (--opt type=tmpfs) is mounted while used and unmounted after', T, async () => {
    const v = uniq('vtmpfs');
    try {
      const c = await docker(['volume', 'create', '--opt', 'type=tmpfs', '--opt', 'device=tmpfs', '--opt', 'o=size=10m', v]);
      assert.equal(c.code, 0, c.stderr);
      const insp = await docker(['volume', 'inspect', '--format', '{{json .Options}}', v]);
      assert.deepEqual(JSON.parse(insp.stdout), { device: 'tmpfs', o: 'size=10m', type: 'tmpfs' });
      const r = await docker(['run', '--rm', '-v', `${v}:/tm`, 'bb', 'df', '/tm']);
      assert.match(r.stdout, /^tmpfs\s+10240\s/m, r.stderr);
      const data = path.join(d.dataRoot, 'volumes', v, '_data');
      assert.deepEqual(mountedUnder(data), [], 'unmounted once no container runs with it');
      const sdf = await docker(['system', 'df', '-v', '--format', '{{json .Volumes}}']);
      assert.equal(sdf.code, 0, sdf.stderr);
      assert.match(sdf.stdout, new RegExp(v));
    } finally {
      await removeAll([], [v]);
    }
  });
  test('volumes, their data and their references survive a daemon restart', T, async () => {
    const v = uniq('vkeep');
    const c = uniq('keeper');
    try {
      assert.equal((await docker(['run', '--name', c, '-v', `${v}:/k`, 'bb', 'sh', '-c', 'echo kept > /k/f'])).code, 0);
      const before = await docker(['volume', 'inspect', '--format', '{{.CreatedAt}}', v]);
      await d.kill9();
      await d.restart();
      assert.equal((await docker(['volume', 'inspect', '--format', '{{.CreatedAt}}', v])).stdout, before.stdout);
      assert.equal((await api('DELETE', `/v1.41/volumes/${v}`)).status, 409, 'the stopped container still holds it after the restart');
      const r = await docker(['run', '--rm', '-v', `${v}:/k`, 'bb', 'cat', '/k/f']);
      assert.equal(r.stdout, 'kept\n', r.stderr);
    } finally {
      await removeAll([c], [v]);
    }
  });
});

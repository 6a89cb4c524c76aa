/**
 * The real docker CLI (28) against berthd: `--mount type=image` (API 1.48). The image's layers are
 * mounted read-only (readonly=false changes nothing, as in dockerd), `image-subpath` picks a directory
 * in it, inspect shows the mount as dockerd does, and nothing stays mounted once the container stopped,
 * failed to start or was removed. Refusals in dockerd's words: an image that is not local (no pull),
 * a subpath that leaves the image, a missing source.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { startDaemon, cli, DOCKER, type TestDaemon } from '../../kit/daemon';
import { makeBusyboxTar } from '../../kit/busybox';
import type { Mount, MountPoint } from '../../../src/protocol/docker/container';

let d: TestDaemon;
const docker = (args: string[], opts?: { input?: string | Buffer; timeoutMs?: number }) => cli(DOCKER, d, args, opts);
const T = { timeout: 120_000 };

/** Mount points under the test daemon's containers directory that hold image mounts. */
function imageMounts(): string[] {
  const prefix = path.join(d.dataRoot, 'containers') + '/';
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m.startsWith(prefix) && m.includes('/image-mounts/'));
}

describe('docker CLI --mount type=image against berthd', () => {
  before(async () => {
    d = await startDaemon('imgmnt');
    const tar = await makeBusyboxTar(path.join(d.base, 'bb.tar'));
    const r = await docker(['import', tar, 'bb:latest']);
    assert.equal(r.code, 0, r.stderr);
    // a second layer on top: a new directory, and /etc/group deleted (a whiteout the mount must honour)
    const w = await docker(['run', '--name', 'layered', 'bb', 'sh', '-c', 'mkdir -p /data/sub && echo hello > /data/sub/f && rm /etc/group']);
    assert.equal(w.code, 0, w.stderr);
    const c = await docker(['commit', 'layered', 'stuff:1']);
    assert.equal(c.code, 0, c.stderr);
    assert.equal((await docker(['rm', 'layered'])).code, 0);
  });
  after(async () => {
    await d?.close();
  });

  test('the image\'s filesystem (all its layers, whiteouts applied) is at the target, read-only', T, async () => {
    const r = await docker(['run', '--rm', '--mount', 'type=image,source=stuff:1,target=/mnt', 'bb', 'sh', '-c', 'cat /mnt/data/sub/f; ls /mnt/etc; touch /mnt/x 2>&1; echo rc=$?']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^hello\n/);
    assert.match(r.stdout, /passwd/);
    assert.doesNotMatch(r.stdout, /group/, 'the upper layer deleted /etc/group');
    assert.match(r.stdout, /Read-only file system\nrc=1\n$/);
    // a one-layer image, and readonly=false, which dockerd takes and ignores
    const one = await docker(['run', '--rm', '--mount', 'type=image,source=bb,target=/img,readonly=false', 'bb', 'sh', '-c', 'ls /img/bin/busybox && touch /img/x 2>&1; echo rc=$?']);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /^\/img\/bin\/busybox\n.*Read-only file system\nrc=1\n$/s);
    assert.deepEqual(imageMounts(), [], 'released when the containers ended');
  });

  test('image-subpath mounts a directory inside the image', T, async () => {
    const r = await docker(['run', '--rm', '--mount', 'type=image,source=stuff:1,target=/mnt,image-subpath=data/sub', 'bb', 'ls', '/mnt']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'f\n');
    // a subpath the image lacks fails the start, and the failed start leaves nothing mounted
    const missing = await docker(['run', '--rm', '--mount', 'type=image,source=stuff:1,target=/mnt,image-subpath=nope', 'bb', 'true']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /cannot access path .*\/nope/);
    assert.deepEqual(imageMounts(), []);
  });

  test('inspect: a Mounts entry of Type image (Name the reference, RW false), HostConfig.Mounts as sent', T, async () => {
    const c = await docker(['create', '--name', 'insp', '--mount', 'type=image,source=stuff:1,target=/mnt/,image-subpath=data', 'bb', 'sleep', '60']);
    assert.equal(c.code, 0, c.stderr);
    try {
      const i = await docker(['inspect', '--format', '{{json .Mounts}}|{{json .HostConfig.Mounts}}', 'insp']);
      assert.equal(i.code, 0, i.stderr);
      const [mounts, hostMounts] = i.stdout.trim().split('|').map((s) => JSON.parse(s) as unknown) as [MountPoint[], Mount[]];
      assert.equal(mounts.length, 1);
      const m = mounts[0]!;
      assert.deepEqual({ ...m, Source: '' }, { Type: 'image', Name: 'stuff:1', Source: '', Destination: '/mnt', Mode: '', RW: false, Propagation: 'rprivate' });
      assert.ok(m.Source.startsWith(path.join(d.dataRoot, 'containers')), m.Source);
      assert.deepEqual(hostMounts, [{ Type: 'image', Source: 'stuff:1', Target: '/mnt/', ImageOptions: { Subpath: 'data' } }]);
      // mounted while it runs, and only then
      assert.deepEqual(imageMounts(), []);
      assert.equal((await docker(['start', 'insp'])).code, 0);
      assert.deepEqual(imageMounts(), [m.Source]);
      const ls = await docker(['exec', 'insp', 'ls', '/mnt']);
      assert.equal(ls.stdout, 'sub\n', ls.stderr);
      assert.equal((await docker(['stop', '-t', '0', 'insp'])).code, 0);
      assert.deepEqual(imageMounts(), [], 'released at stop');
      assert.equal((await docker(['start', 'insp'])).code, 0);
      assert.equal((await docker(['rm', '-f', 'insp'])).code, 0);
      assert.deepEqual(imageMounts(), [], 'released at rm -f');
    } finally {
      await docker(['rm', '-f', 'insp']);
    }
  });

  test('a start that fails at its second image mount leaves the first one unmounted', T, async () => {
    const c = await docker(['create', '--name', 'two', '--mount', 'type=image,source=bb,target=/one', '--mount', 'type=image,source=stuff:1,target=/two', 'bb', 'true']);
    assert.equal(c.code, 0, c.stderr);
    try {
      const mounts = JSON.parse((await docker(['inspect', '--format', '{{json .Mounts}}', 'two'])).stdout) as MountPoint[];
      const second = mounts.find((m) => m.Destination === '/two')!.Source;
      // a file where the second mount's directory goes: its mount fails after the first one's succeeded
      mkdirSync(path.dirname(second), { recursive: true });
      writeFileSync(second, '');
      const r = await docker(['start', 'two']);
      assert.notEqual(r.code, 0);
      assert.deepEqual(imageMounts(), []);
    } finally {
      await docker(['rm', '-f', 'two']);
    }
  });

  test('an image a container mounts is in use: rmi refuses without -f, and -f untags it but keeps its layers', T, async () => {
    const w = await docker(['run', '--name', 'solo-src', 'bb', 'sh', '-c', 'echo solo > /solo']);
    assert.equal(w.code, 0, w.stderr);
    assert.equal((await docker(['commit', 'solo-src', 'solo:1'])).code, 0);
    await docker(['rm', 'solo-src']);
    const id = (await docker(['image', 'inspect', '--format', '{{.Id}}', 'solo:1'])).stdout.trim();
    const c = await docker(['create', '--name', 'solo-user', '--mount', 'type=image,source=solo:1,target=/s', 'bb', 'cat', '/s/solo']);
    assert.equal(c.code, 0, c.stderr);
    const cid = (await docker(['inspect', '--format', '{{.Id}}', 'solo-user'])).stdout.trim();
    try {
      const rmi = await docker(['rmi', 'solo:1']);
      assert.notEqual(rmi.code, 0);
      assert.match(rmi.stderr, new RegExp(`container ${cid.slice(0, 12)} is using its referenced image ${id.replace('sha256:', '').slice(0, 12)}`));
      assert.equal((await docker(['rmi', '-f', 'solo:1'])).code, 0);
      const r = await docker(['start', '-a', 'solo-user']);
      assert.equal(r.stdout, 'solo\n', `the mount still has its image after rmi -f: ${r.stderr}`);
    } finally {
      await docker(['rm', '-f', 'solo-user']);
      await docker(['rmi', '-f', id]);
    }
  });

  test('refused in dockerd\'s words: an image not here (no pull), a subpath out of the image, no source', T, async () => {
    // docker create exits 1 on a daemon error (docker run 125); never pulled: the CLI would pull the container's image
    const none = await docker(['create', '--pull', 'never', '--mount', 'type=image,source=nosuch:1,target=/mnt', 'bb', 'true']);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /No such image: nosuch:1/);
    for (const sub of ['../etc', '/etc']) {
      const r = await docker(['create', '--mount', `type=image,source=stuff:1,target=/mnt,image-subpath=${sub}`, 'bb', 'true']);
      assert.equal(r.code, 1, `${sub}: ${r.stdout}`);
      assert.match(r.stderr, /invalid mount config for type "image": subpath must be a relative path within the volume/);
    }
    const nosrc = await docker(['create', '--mount', 'type=image,target=/mnt', 'bb', 'true']);
    assert.equal(nosrc.code, 1);
    assert.match(nosrc.stderr, /invalid mount config for type "image": field Source must not be empty/);
    const ps = await docker(['ps', '-aq']);
    assert.equal(ps.stdout, '', 'no container was made');
  });
});

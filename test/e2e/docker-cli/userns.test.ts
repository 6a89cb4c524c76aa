/**
 * dockerd's --userns-remap with the docker CLI: root in a container is the
 * berthremap user's first subordinate ID on the host, --userns=host opts out,
 * and Docker's refusals answer in its words. The daemon's `default` remap makes
 * the berthremap system user and its /etc/subuid and /etc/subgid ranges on first
 * use and keeps them (as dockerd keeps dockremap).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as http from 'node:http';
import { startDaemon, cli, DOCKER, type TestDaemon } from '../../kit/daemon';
import { makeBusyboxTar } from '../../kit/busybox';
import { freeLowPort } from '../../kit/ports';

let d: TestDaemon;
let subStart = 0;
const docker = (args: string[], opts?: { input?: string | Buffer; timeoutMs?: number }) => cli(DOCKER, d, args, opts);

function mountsUnder(root: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m.startsWith(root));
}

function get(port: number, p: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: p, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

describe('docker CLI against berthd --userns-remap default', () => {
  before(async () => {
    d = await startDaemon('uns', { args: ['--userns-remap', 'default'] });
    const line = readFileSync('/etc/subuid', 'utf8').split('\n').find((l) => l.startsWith('berthremap:'));
    assert.ok(line, 'the daemon gave berthremap a subordinate uid range');
    subStart = Number(line.split(':')[1]);
    const r = await docker(['import', await makeBusyboxTar(path.join(d.base, 'bb.tar')), 'bb:latest']);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await d?.close();
  });

  test('root in the container is the subordinate range on the host', async () => {
    const r = await docker(['run', '--rm', 'bb', 'sh', '-c', 'id -u; cat /proc/self/uid_map /proc/self/gid_map; touch /etc/written && ls -ln /etc/written']);
    assert.equal(r.code, 0, r.stderr);
    const [uid, uidMap, gidMap, file] = r.stdout.trim().split('\n');
    assert.equal(uid, '0');
    assert.deepEqual(uidMap!.trim().split(/\s+/), ['0', String(subStart), '65536']);
    assert.equal(gidMap!.trim().split(/\s+/)[0], '0');
    assert.match(file!, /^-\S+\s+1\s+0\s+0\s/, 'the image\'s root-owned /etc is the container root\'s');
  });

  test('a file made in a bind mount belongs to the subordinate uid; with --userns=host to root', async () => {
    const dir = path.join(d.base, 'bind');
    await fs.mkdir(dir, { mode: 0o777 });
    await fs.chmod(dir, 0o777);
    let r = await docker(['run', '--rm', '-v', `${dir}:/b`, 'bb', 'touch', '/b/remapped']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await fs.stat(path.join(dir, 'remapped'))).uid, subStart);
    r = await docker(['run', '--rm', '--userns=host', '-v', `${dir}:/b`, 'bb', 'sh', '-c', 'cat /proc/self/uid_map; touch /b/host']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split(/\s+/), ['0', '0', '4294967295']);
    assert.equal((await fs.stat(path.join(dir, 'host'))).uid, 0);
  });

  test('volumes, /dev/shm, tmpfs, /etc/hosts and the workdir are writable by the remapped root', async () => {
    const r = await docker(['run', '--rm', '-v', 'unsvol:/data', '--tmpfs', '/scratch', '-w', '/new/work', 'bb', 'sh', '-c',
      'set -e; echo v > /data/f; echo s > /dev/shm/f; echo t > /scratch/f; echo "# x" >> /etc/hosts; echo r >> /etc/resolv.conf; touch ./w; echo ok']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'ok\n');
    assert.equal((await fs.stat(path.join(d.dataRoot, 'volumes/unsvol/_data/f'))).uid, subStart);
    assert.equal((await docker(['volume', 'rm', 'unsvol'])).code, 0);
  });

  test('published port, exec, and commit in container IDs', async () => {
    const port = freeLowPort();
    try {
      let r = await docker(['run', '-d', '--name', 'unsweb', '-p', `127.0.0.1:${port}:80`, 'bb', 'httpd', '-f', '-p', '80', '-h', '/etc']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal((await get(port, '/hostname')).trim(), r.stdout.trim().slice(0, 12), 'httpd bound port 80 as the remapped root');
      r = await docker(['exec', 'unsweb', 'sh', '-c', 'id -u; touch /tmp/made; chown 5:6 /tmp/made']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '0\n');
      // docker cp: in, the archive's root is the container's root; out, the container's IDs come back
      const src = path.join(d.base, 'cpin');
      await fs.writeFile(src, 'x');
      assert.equal((await docker(['cp', src, 'unsweb:/tmp/cpin'])).code, 0);
      r = await docker(['exec', 'unsweb', 'sh', '-c', 'ls -n /tmp/cpin && echo more >> /tmp/cpin']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /\s0\s+0\s/);
      r = await docker(['cp', 'unsweb:/tmp/made', '-']);
      assert.ok(r.stdout.length >= 512, r.stderr);
      // ustar header: uid at offset 108, gid at 116, 8 octal bytes each
      assert.deepEqual([parseInt(r.stdout.slice(108, 116), 8), parseInt(r.stdout.slice(116, 124), 8)], [5, 6], 'the tar holds the container\'s IDs');
      assert.equal((await docker(['commit', 'unsweb', 'unsimg'])).code, 0);
      r = await docker(['run', '--rm', '--userns=host', 'unsimg', 'ls', '-n', '/tmp/made']);
      assert.match(r.stdout, /\s5\s+6\s/, 'the committed layer holds the container\'s IDs, not the host\'s');
    } finally {
      await docker(['rm', '-f', 'unsweb']);
      await docker(['rmi', 'unsimg']);
    }
  });

  test("Docker's refusals without --userns=host", async () => {
    const cases: Array<[string[], string]> = [
      [['--privileged'], 'privileged mode is incompatible with user namespaces.  You must run the container in the host namespace when running privileged mode'],
      [['--network', 'host'], "cannot share the host's network namespace when user namespaces are enabled"],
      [['--pid', 'host'], 'cannot share the host PID namespace when user namespaces are enabled'],
    ];
    for (const [flags, msg] of cases) {
      const r = await docker(['run', '--rm', ...flags, 'bb', 'true']);
      assert.equal(r.code, 125, flags.join(' '));
      assert.ok(r.stderr.includes(msg), r.stderr);
    }
    const ok = await docker(['run', '--rm', '--userns=host', '--privileged', 'bb', 'id', '-u']);
    assert.equal(ok.code, 0, ok.stderr);
    const bad = await docker(['run', '--rm', '--userns=other', 'bb', 'true']);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /--userns: invalid USER mode/);
    const listed = await docker(['ps', '-aq']);
    assert.equal(listed.stdout, '', 'refused creates leave no container');
  });

  test('docker info names the userns security option; no rootfs stays mounted', async () => {
    const r = await docker(['info', '--format', '{{json .SecurityOptions}}']);
    assert.ok((JSON.parse(r.stdout) as string[]).includes('name=userns'), r.stdout);
    assert.deepEqual(mountsUnder(path.join(d.dataRoot, 'containers')), []);
  });
});

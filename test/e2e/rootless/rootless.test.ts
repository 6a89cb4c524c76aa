/**
 * Rootless mode, as a new user would try it: a fresh system user with subordinate ID ranges starts
 * berthd (no root, no flags: XDG places), loads busybox, serves httpd on a published loopback port,
 * and root in the container is the user on the host, its other IDs the user's subordinate range.
 * The user, its processes and its files are gone at the end, also when a test failed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { DOCKER } from '../../kit/daemon';
import { makeBusyboxTar } from '../../kit/busybox';
import { freeLowPort } from '../../kit/ports';
import { createRootlessUser, startRootlessBerthd, type RootlessUser } from '../../kit/rootless-user';

let u: RootlessUser | undefined;
let daemon: Awaited<ReturnType<typeof startRootlessBerthd>> | undefined;

function docker(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(DOCKER, args, { env: { ...process.env, DOCKER_HOST: daemon!.host, DOCKER_CONFIG: path.join(u!.base, 'docker-config') }, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

function get(port: number, p: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: p, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

/** Retries while the server in the container is still coming up (a refused connection). */
async function getWhenUp(port: number, p: string): Promise<{ status: number; body: string }> {
  for (let i = 0; ; i++) {
    try {
      return await get(port, p);
    } catch (e) {
      if (i > 100) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** The user's processes other than the daemon: network helpers, conmon, containers. */
function helpersOf(user: RootlessUser): string[] {
  return user.pids().map((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').join(' ').trim();
    } catch {
      return ''; // gone meanwhile
    }
  })
    // the daemon itself, its launcher and its mount helper (berth-fsd lives as long as the daemon)
    .filter((c) => c && !c.includes('berthd.js') && !c.includes('berth-rootless') && !c.includes('berth-fsd'));
}

function mountsMentioning(s: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(s));
}

describe('rootless berthd started by an unprivileged user', () => {
  before(async () => {
    u = await createRootlessUser('t');
    daemon = await startRootlessBerthd(u);
    const tar = await makeBusyboxTar(path.join(u.base, 'bb.tar'));
    const r = await docker(['import', tar, 'bb:latest']);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await daemon?.stop().catch(() => undefined);
    await u?.remove();
  });

  test('docker info: rootless security option, XDG data root, the storage driver chosen at start', async () => {
    const r = await docker(['info', '--format', '{{json .SecurityOptions}}|{{.DockerRootDir}}|{{.Driver}}']);
    assert.equal(r.code, 0, r.stderr);
    const [opts, root, driver] = r.stdout.trim().split('|');
    assert.ok((JSON.parse(opts!) as string[]).includes('name=rootless'), opts);
    assert.equal(root, path.join(u!.home, '.local/share/berth'));
    assert.ok(driver === 'overlay2' || driver === 'fuse-overlayfs', driver);
    assert.match(await daemon!.log(), /"msg":"rootless mode"/);
    const st = await fs.stat(path.join(u!.home, '.local/share/berth'));
    assert.equal(st.uid, u!.uid, 'the data root belongs to the user');
  });

  test('busybox httpd on -p 127.0.0.1:PORT:80 answers over loopback; root inside is the user outside', async () => {
    const www = path.join(u!.base, 'www');
    await fs.mkdir(www);
    await fs.chown(www, u!.uid, u!.gid);
    const port = freeLowPort();
    const r = await docker(['run', '-d', '--name', 'web', '-p', `127.0.0.1:${port}:80`, '-v', `${www}:/www`, 'bb',
      'sh', '-c', 'cat /proc/self/uid_map > /www/uid_map && echo hello-rootless > /www/index.html && touch /www/by-1000 && chown 1000:1000 /www/by-1000 && exec httpd -f -p 80 -h /www']);
    assert.equal(r.code, 0, r.stderr);
    try {
      const res = await getWhenUp(port, '/index.html');
      assert.equal(res.status, 200);
      assert.equal(res.body, 'hello-rootless\n');
      const maps = (await getWhenUp(port, '/uid_map')).body.trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number));
      assert.deepEqual(maps, [[0, u!.uid, 1], [1, u!.subStart, u!.subSize]], 'root in the container is the user; 1.. its subordinate range');
      const byRoot = await fs.stat(path.join(www, 'index.html'));
      assert.deepEqual([byRoot.uid, byRoot.gid], [u!.uid, u!.gid], 'what container root writes belongs to the user on the host');
      const by1000 = await fs.stat(path.join(www, 'by-1000'));
      assert.deepEqual([by1000.uid, by1000.gid], [u!.subStart + 999, u!.subStart + 999], 'container uid 1000 is in the subordinate range');
      assert.notEqual(byRoot.uid, 0);
      const ps = await docker(['ps', '--format', '{{.Ports}}']);
      assert.match(ps.stdout, new RegExp(`127\\.0\\.0\\.1:${port}->80/tcp`));
    } finally {
      await docker(['rm', '-f', 'web']);
    }
    const again = await get(port, '/').then(() => 'answered', (e: NodeJS.ErrnoException) => e.code);
    assert.equal(again, 'ECONNREFUSED', 'the port is released with the container');
  });

  test("the user's own berth CLI finds the rootless daemon without -H", async () => {
    const argv = u!.asUser([path.join(u!.repo, 'bin/berth'), 'run', '--rm', 'bb', 'id', '-u']);
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(argv[0]!, argv.slice(1), { timeout: 120_000 }, (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr }));
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), '0');
  });

  test('--network none has only loopback; run --rm leaves no container', async () => {
    const r = await docker(['run', '--rm', '--network', 'none', 'bb', 'sh', '-c', 'ls /sys/class/net; id -u']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['lo', '0']);
    assert.equal((await docker(['ps', '-aq'])).stdout, '');
  });

  test('limits without cgroups are refused in words', async () => {
    const mem = await docker(['run', '--rm', '--memory', '64m', 'bb', 'true']);
    assert.equal(mem.code, 125);
    assert.match(mem.stderr, /cannot specify resource limits \(--memory\) in rootless mode/);
    assert.equal((await docker(['ps', '-aq'])).stdout, '', 'refused creates leave no container');
  });

  test('user-defined network: peers by name, a published loopback port, network rm leaves nothing', async () => {
    assert.equal((await docker(['network', 'create', 'rlnet'])).code, 0);
    const port = freeLowPort();
    try {
      const srv = await docker(['run', '-d', '--name', 'srv', '--network', 'rlnet', '-p', `127.0.0.1:${port}:80`, 'bb',
        'sh', '-c', 'mkdir /www && echo hello-net > /www/index.html && exec httpd -f -p 80 -h /www']);
      assert.equal(srv.code, 0, srv.stderr);
      const res = await getWhenUp(port, '/index.html');
      assert.equal(res.body, 'hello-net\n', 'the published port answers on the host loopback');
      const peer = await docker(['run', '--rm', '--network', 'rlnet', 'bb', 'wget', '-qO-', 'http://srv/index.html']);
      assert.equal(peer.code, 0, peer.stderr);
      assert.equal(peer.stdout, 'hello-net\n', 'a peer reaches the server by its name (aardvark-dns)');
      assert.equal((await docker(['network', 'create', 'rlnet2'])).code, 0);
      assert.equal((await docker(['run', '-d', '--name', 'other', '--network', 'rlnet2', 'bb', 'sleep', '600'])).code, 0);
      const conn = await docker(['network', 'connect', 'rlnet', 'other']);
      assert.equal(conn.code, 0, conn.stderr);
      assert.equal((await docker(['exec', 'other', 'wget', '-qO-', 'http://srv/index.html'])).stdout, 'hello-net\n', 'connected to a second network, it reaches that network by name');
      const overlap = await docker(['network', 'create', '--subnet', '10.0.2.0/24', 'rlbad']);
      assert.match(overlap.stderr, /Pool overlaps/, "pasta's subnet in the rootless netns is taken");
      const mixed = await docker(['network', 'connect', 'bridge', 'srv']);
      assert.notEqual(mixed.code, 0);
      assert.match(mixed.stderr, /cannot join both the default bridge network and user-defined networks/);
    } finally {
      await docker(['rm', '-f', 'srv', 'other']);
      await docker(['network', 'rm', 'rlnet2']);
    }
    const rm = await docker(['network', 'rm', 'rlnet']);
    assert.equal(rm.code, 0, rm.stderr);
    assert.equal(await get(port, '/').then(() => 'answered', (e: NodeJS.ErrnoException) => e.code), 'ECONNREFUSED', 'the port is released');
    assert.deepEqual(helpersOf(u!), [], 'no pasta, aardvark-dns or port forwarder is left');
    await fs.access(path.join(u!.runtimeDir, 'berth', 'rootless-netns')).then(() => assert.fail('the rootless netns is removed'), () => undefined);
  });

  test('docker-compose 1.29: a two-service project on its default network, peers by service name; down removes it', async () => {
    const dir = path.join(u!.base, 'proj');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'docker-compose.yml'), [
      'version: "3"',
      'services:',
      '  web:',
      '    image: bb',
      '    command: ["sh", "-c", "mkdir /www && echo from-web > /www/index.html && exec httpd -f -p 80 -h /www"]',
      '  client:',
      '    image: bb',
      '    command: ["sh", "-c", "until wget -qO- http://web/index.html; do sleep 0.1; done; exec sleep 600"]',
      '',
    ].join('\n'));
    const compose = (args: string[]) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile('docker-compose', ['-p', 'rlproj', ...args], { cwd: dir, env: { ...process.env, DOCKER_HOST: daemon!.host }, timeout: 120_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      });
    });
    try {
      const up = await compose(['up', '-d']);
      assert.equal(up.code, 0, up.stderr);
      let logs = '';
      for (const end = Date.now() + 20_000; !logs.includes('from-web') && Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
        logs = (await docker(['logs', 'rlproj_client_1'])).stdout;
      }
      assert.match(logs, /from-web/, 'the client reached web by its service name');
    } finally {
      const down = await compose(['down', '-t', '1']);
      assert.equal(down.code, 0, down.stderr);
    }
    assert.doesNotMatch((await docker(['network', 'ls', '--format', '{{.Name}}'])).stdout, /rlproj/);
    assert.deepEqual(helpersOf(u!), [], 'no pasta, aardvark-dns or port forwarder is left');
  });

  test('stopping the daemon stops its containers and leaves no process, mount or netns', async () => {
    const r = await docker(['run', '-d', '--name', 'left', '--stop-timeout', '1', '-p', `127.0.0.1:${freeLowPort()}:80`, 'bb', 'httpd', '-f', '-p', '80']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await docker(['network', 'create', 'kept'])).code, 0);
    const onNet = await docker(['run', '-d', '--name', 'left2', '--stop-timeout', '1', '--network', 'kept', '-p', `127.0.0.1:${freeLowPort()}:80`, 'bb', 'httpd', '-f', '-p', '80']);
    assert.equal(onNet.code, 0, onNet.stderr);
    const code = await daemon!.stop();
    assert.equal(code, 0, await daemon!.log());
    // conmon and pasta run detached: once they exited, init reaps them (this sandbox's init takes its time)
    for (const end = Date.now() + 20_000; u!.pids().length && Date.now() < end; ) await new Promise((r) => setTimeout(r, 100));
    const left = u!.pids().map((p) => readFileSync(`/proc/${p}/stat`, 'utf8').slice(0, 60));
    assert.deepEqual(left, [], 'no process of the user is left (conmon, pasta, aardvark-dns, the forwarder, the holder, the containers)');
    assert.deepEqual(mountsMentioning(u!.base), []);
    const netns = await fs.readdir(path.join(u!.runtimeDir, 'berth', 'netns')).catch(() => []);
    assert.deepEqual(netns, []);
    await fs.access(path.join(u!.runtimeDir, 'berth.sock')).then(() => assert.fail('the socket is removed'), () => undefined);
  });
});

describe('a rootless berthd killed with SIGKILL, then started again', () => {
  before(async () => {
    u = await createRootlessUser('k');
    daemon = await startRootlessBerthd(u);
    const r = await docker(['import', await makeBusyboxTar(path.join(u.base, 'bb.tar')), 'bb:latest']);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await daemon?.stop().catch(() => undefined);
    await u?.remove();
  });

  test('joins the namespaces it left: its containers still run and publish, rm -f works, nothing leaks', async () => {
    assert.equal((await docker(['network', 'create', 'rlk'])).code, 0);
    const [p1, p2] = [freeLowPort(), freeLowPort()];
    const httpd = ['sh', '-c', 'mkdir /www && hostname > /www/index.html && exec httpd -f -p 80 -h /www'];
    assert.equal((await docker(['run', '-d', '--name', 'onnet', '--hostname', 'onnet', '--network', 'rlk', '-p', `127.0.0.1:${p1}:80`, 'bb', ...httpd])).code, 0);
    assert.equal((await docker(['run', '-d', '--name', 'onbridge', '--hostname', 'onbridge', '-p', `127.0.0.1:${p2}:80`, 'bb', ...httpd])).code, 0);
    assert.equal((await getWhenUp(p1, '/')).body, 'onnet\n');
    assert.equal((await getWhenUp(p2, '/')).body, 'onbridge\n');

    // the daemon itself (the launcher's child in the namespaces), as the OOM killer would pick it
    const inner = u!.pids().find((p) => /berthd\.js/.test(readFileSync(`/proc/${p}/cmdline`, 'utf8')) && readFileSync(`/proc/${p}/stat`, 'utf8').split(' ')[3] === String(daemon!.proc.pid));
    assert.ok(inner, 'the daemon in the namespaces');
    process.kill(inner, 'SIGKILL');
    assert.equal(await daemon!.stop(), 137, 'the launcher reports its daemon killed');

    daemon = await startRootlessBerthd(u!);
    const ps = await docker(['ps', '--format', '{{.Names}} {{.Status}}']);
    assert.match(ps.stdout, /^onnet Up/m, ps.stdout);
    assert.match(ps.stdout, /^onbridge Up/m, ps.stdout);
    assert.equal((await getWhenUp(p1, '/')).body, 'onnet\n', 'the user network port is published again');
    assert.equal((await getWhenUp(p2, '/')).body, 'onbridge\n', "pasta's port never went away");
    const ex = await docker(['exec', 'onnet', 'cat', '/www/index.html']);
    assert.equal(ex.stdout, 'onnet\n', ex.stderr);

    const rm = await docker(['rm', '-f', 'onnet', 'onbridge']);
    assert.equal(rm.code, 0, rm.stderr);
    assert.equal((await docker(['network', 'rm', 'rlk'])).code, 0);
    assert.equal(await daemon!.stop(), 0, await daemon!.log());
    for (const end = Date.now() + 20_000; u!.pids().length && Date.now() < end; ) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(u!.pids().map((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8')), [], 'no process of the user is left (holder, conmon, pasta, aardvark-dns)');
    assert.deepEqual(mountsMentioning(u!.base), []);
    assert.deepEqual(await fs.readdir(path.join(u!.runtimeDir, 'berth', 'netns')).catch(() => []), []);
  });

  test('with its holder killed too, the containers are reported exited; rm -f and the network work again; nothing leaks', async () => {
    daemon = await startRootlessBerthd(u!);
    assert.equal((await docker(['network', 'create', 'rlk2'])).code, 0);
    assert.equal((await docker(['run', '-d', '--name', 'gone', '--network', 'rlk2', '-p', `127.0.0.1:${freeLowPort()}:80`, 'bb', 'httpd', '-f', '-p', '80'])).code, 0);
    // every process of the user dies (a logout that kills them all): no namespace is left to join
    for (let i = 0; i < 50 && u!.pids().length; i++) {
      for (const p of u!.pids()) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await daemon.stop();
    daemon = await startRootlessBerthd(u!);
    assert.match((await docker(['ps', '-a', '--format', '{{.Names}} {{.State}}'])).stdout, /^gone exited$/m);
    assert.equal((await docker(['rm', '-f', 'gone'])).code, 0);
    const web = await docker(['run', '-d', '--name', 'web2', '--network', 'rlk2', 'bb', 'sh', '-c', 'mkdir /www && echo again > /www/index.html && exec httpd -f -p 80 -h /www']);
    assert.equal(web.code, 0, web.stderr);
    const peer = await docker(['run', '--rm', '--network', 'rlk2', 'bb', 'sh', '-c', 'until wget -qO- http://web2/index.html; do sleep 0.1; done']);
    assert.equal(peer.stdout, 'again\n', peer.stderr);
    assert.equal((await docker(['rm', '-f', 'web2'])).code, 0);
    assert.equal((await docker(['network', 'rm', 'rlk2'])).code, 0);
    assert.equal(await daemon.stop(), 0, await daemon.log());
    for (const end = Date.now() + 20_000; u!.pids().length && Date.now() < end; ) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(u!.pids().map((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8')), []);
    assert.deepEqual(mountsMentioning(u!.base), []);
  });
});

describe('rootless berthd with --storage-driver fuse-overlayfs (the fallback where overlayfs cannot mount)', () => {
  before(async () => {
    u = await createRootlessUser('f');
    daemon = await startRootlessBerthd(u, ['--storage-driver', 'fuse-overlayfs']);
    const r = await docker(['import', await makeBusyboxTar(path.join(u.base, 'bb.tar')), 'bb:latest']);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await daemon?.stop().catch(() => undefined);
    await u?.remove();
  });

  test('docker info names it; the rootfs is a fuse mount; deletions and a commit work through it', async () => {
    assert.equal((await docker(['info', '--format', '{{.Driver}}'])).stdout.trim(), 'fuse-overlayfs');
    const r = await docker(['run', '--name', 'f1', 'bb', 'sh', '-c', "awk '$2 == \"/\" {print $3}' /proc/mounts; rm /bin/vi && mkdir /opt && echo x > /opt/f"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'fuse.fuse-overlayfs');
    assert.equal((await docker(['commit', 'f1', 'fimg'])).code, 0);
    const c = await docker(['run', '--rm', 'fimg', 'sh', '-c', 'cat /opt/f; test -e /bin/vi || echo gone']);
    assert.deepEqual(c.stdout.trim().split('\n'), ['x', 'gone']);
    await docker(['rm', 'f1']);
    await docker(['rmi', 'fimg']);
  });
});

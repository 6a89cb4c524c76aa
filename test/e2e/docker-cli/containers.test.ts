/**
 * The real docker CLI (28) against berthd: the "Done when" list of the
 * foundation issue, as a new user would try it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import * as http from 'node:http';
import { startDaemon, cli, DOCKER, type TestDaemon } from '../../kit/daemon';
import { makeBusyboxTar } from '../../kit/busybox';

let d: TestDaemon;
const docker = (args: string[], opts?: { input?: string | Buffer; timeoutMs?: number }) => cli(DOCKER, d, args, opts);

function overlayMountsUnder(root: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m.startsWith(root));
}

describe('docker CLI against berthd', () => {
  before(async () => {
    d = await startDaemon('cli');
    const tar = await makeBusyboxTar(path.join(d.base, 'bb.tar'));
    const r = await docker(['import', tar, 'bb:latest']);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await d?.close();
  });

  test('import made an image that `docker images` lists', async () => {
    const r = await docker(['images', '--format', '{{.Repository}}:{{.Tag}}']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^bb:latest$/m);
  });

  test('run --rm bb echo hi prints hi', async () => {
    const r = await docker(['run', '--rm', 'bb', 'echo', 'hi']);
    assert.equal(r.stdout, 'hi\n', r.stderr);
    assert.equal(r.code, 0);
  });

  test('exit codes: the container\'s own, 127 for a missing command, 125 for an unknown image', async () => {
    assert.equal((await docker(['run', '--rm', 'bb', 'sh', '-c', 'exit 3'])).code, 3);
    const nf = await docker(['run', '--rm', 'bb', '/nosuchcmd']);
    assert.equal(nf.code, 127, nf.stderr);
    const ni = await docker(['run', '--rm', 'nosuchimage-berth']);
    assert.equal(ni.code, 125, ni.stderr);
  });

  test('-e, -w, -u and --hostname take effect', async () => {
    const r = await docker(['run', '--rm', '-e', 'FOO=bar', '-w', '/tmp', '-u', '1000:1000', '--hostname', 'berthy', 'bb', 'sh', '-c', 'echo $FOO $(pwd) $(id -u):$(id -g) $(hostname)']);
    assert.equal(r.stdout, 'bar /tmp 1000:1000 berthy\n', r.stderr);
  });

  test('the process is PID 1', async () => {
    const r = await docker(['run', '--rm', 'bb', 'sh', '-c', 'echo $$']);
    assert.equal(r.stdout.trim(), '1', r.stderr);
  });

  test('--memory 64m shows in the container\'s cgroup', async () => {
    const r = await docker(['run', '-d', '--memory', '64m', 'bb', 'sleep', '30']);
    assert.equal(r.code, 0, r.stderr);
    const id = r.stdout.trim();
    try {
      const v1 = `/sys/fs/cgroup/memory/berth/${id}/memory.limit_in_bytes`;
      const v2 = `/sys/fs/cgroup/berth/${id}/memory.max`;
      const limit = await fs.readFile(v1, 'utf8').catch(() => fs.readFile(v2, 'utf8'));
      assert.equal(Number(limit.trim()), 64 * 1024 * 1024);
      const st = await docker(['stats', '--no-stream', '--format', '{{.MemUsage}} {{.PIDs}}', id]);
      assert.match(st.stdout, /\/ 64MiB 1$/m, st.stderr);
    } finally {
      await docker(['rm', '-f', id]);
    }
  });

  test('-d, ps, logs, exec and inspect work on a detached container', async () => {
    const r = await docker(['run', '-d', '--name', 'det1', 'bb', 'sh', '-c', 'echo started; sleep 60']);
    assert.equal(r.code, 0, r.stderr);
    try {
      const ps = await docker(['ps', '--format', '{{.Names}} {{.Status}}']);
      assert.match(ps.stdout, /^det1 Up /m, ps.stdout + ps.stderr);
      let logs = '';
      for (let i = 0; i < 40 && !logs.includes('started'); i++) {
        logs = (await docker(['logs', 'det1'])).stdout;
        if (!logs.includes('started')) await new Promise((res) => setTimeout(res, 100));
      }
      assert.equal(logs, 'started\n');
      const ex = await docker(['exec', 'det1', 'sh', '-c', 'echo from-exec; exit 4']);
      assert.equal(ex.stdout, 'from-exec\n', ex.stderr);
      assert.equal(ex.code, 4);
      // the CLI inspects the exec as soon as its output ends: the exit code must be there by then
      for (let i = 0; i < 10; i++) assert.equal((await docker(['exec', 'det1', 'sh', '-c', `exit ${5 + i}`])).code, 5 + i);
      const insp = JSON.parse((await docker(['inspect', 'det1'])).stdout) as Array<{ Name: string; State: { Running: boolean; Pid: number }; Config: { Cmd: string[] } }>;
      assert.equal(insp[0]!.Name, '/det1');
      assert.equal(insp[0]!.State.Running, true);
      assert.ok(insp[0]!.State.Pid > 0);
      assert.deepEqual(insp[0]!.Config.Cmd, ['sh', '-c', 'echo started; sleep 60']);
    } finally {
      await docker(['rm', '-f', 'det1']);
    }
  });

  test('-i passes stdin to the container', async () => {
    const r = await docker(['run', '--rm', '-i', 'bb', 'sh', '-c', 'cat | tr a-z A-Z'], { input: 'hello\n' });
    assert.equal(r.stdout, 'HELLO\n', r.stderr);
  });

  test('-it gives a terminal', async () => {
    // `script` gives the docker CLI a real terminal to put into raw mode.
    const out = execFileSync('script', ['-qec', `${DOCKER} run --rm -it bb sh -c 'tty; stty size'`, '/dev/null'], {
      env: { ...d.env, TERM: 'xterm', COLUMNS: '100', LINES: '30' },
      timeout: 30_000,
    }).toString();
    assert.match(out, /\/dev\/pts\/\d+/);
  });

  test('save → rmi → load → run', async () => {
    const file = path.join(d.base, 'saved.tar');
    assert.equal((await docker(['tag', 'bb', 'bbsave:1'])).code, 0);
    const s = await docker(['save', '-o', file, 'bbsave:1']);
    assert.equal(s.code, 0, s.stderr);
    assert.equal((await docker(['rmi', 'bbsave:1'])).code, 0);
    const l = await docker(['load', '-i', file]);
    assert.equal(l.code, 0, l.stderr);
    assert.match(l.stdout, /Loaded image: bbsave:1/);
    const r = await docker(['run', '--rm', 'bbsave:1', 'echo', 'loaded']);
    assert.equal(r.stdout, 'loaded\n', r.stderr);
  });

  test('nothing stays mounted after rm', async () => {
    const r = await docker(['run', '-d', 'bb', 'sleep', '30']);
    const id = r.stdout.trim();
    assert.ok(overlayMountsUnder(path.join(d.dataRoot, 'containers', id)).length > 0, 'rootfs mounted while running');
    assert.equal((await docker(['rm', '-f', id])).code, 0);
    assert.deepEqual(overlayMountsUnder(path.join(d.dataRoot, 'containers', id)), []);
  });

  test('after kill -9 of the daemon the container still runs and can be stopped and removed', async () => {
    const r = await docker(['run', '-d', '--name', 'survivor', 'bb', 'sleep', '300']);
    assert.equal(r.code, 0, r.stderr);
    await d.kill9();
    await d.restart();
    const insp = JSON.parse((await docker(['inspect', 'survivor'])).stdout) as Array<{ State: { Running: boolean } }>;
    assert.equal(insp[0]!.State.Running, true);
    const st = await docker(['stop', '-t', '1', 'survivor']);
    assert.equal(st.code, 0, st.stderr);
    const rm = await docker(['rm', 'survivor']);
    assert.equal(rm.code, 0, rm.stderr);
  });

  test('20 concurrent `docker run --rm` all succeed and leave nothing behind', async () => {
    const before = (await docker(['ps', '-aq'])).stdout;
    const runs = await Promise.all(Array.from({ length: 20 }, (_, i) => docker(['run', '--rm', '--network', 'none', 'bb', 'echo', `n${i}`])));
    runs.forEach((r, i) => assert.equal(r.stdout, `n${i}\n`, r.stderr));
    assert.equal((await docker(['ps', '-aq'])).stdout, before);
  });

  test('malformed JSON gets a 400 with a Docker-shaped body and creates nothing', async () => {
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ socketPath: d.socket, path: '/v1.41/containers/create', method: 'POST', headers: { 'Content-Type': 'application/json' } }, (r) => {
        let body = '';
        r.on('data', (c: Buffer) => (body += c.toString()));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end('{"Image": "bb", ');
    });
    assert.equal(res.status, 400);
    assert.equal(typeof (JSON.parse(res.body) as { message: string }).message, 'string');
    assert.equal((await docker(['ps', '-aq'])).stdout, '');
  });

  test('a tarball that tries to escape is refused and changes nothing', async () => {
    const dir = path.join(d.base, 'evil');
    await fs.mkdir(path.join(dir, 'a'), { recursive: true });
    await fs.writeFile(path.join(dir, 'a', 'x'), 'x');
    const tar = path.join(d.base, 'evil.tar');
    // GNU tar keeps the ../ when told to; the name then points outside the layer
    execFileSync('tar', ['-C', dir, '-cf', tar, '--absolute-names', 'a/x', '--transform', 's,^a/x,../../escaped-berth-test,']);
    const images = (await docker(['images', '-q'])).stdout;
    const r = await docker(['import', tar, 'evil:1']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /escape|outside|invalid/i);
    assert.equal((await docker(['images', '-q'])).stdout, images);
    await assert.rejects(fs.stat(path.join(d.dataRoot, '..', 'escaped-berth-test')));
  });

  test('bad input: unknown container, invalid name, bad flag', async () => {
    const nf = await docker(['inspect', '--type', 'container', 'nosuchcontainer']);
    assert.notEqual(nf.code, 0);
    assert.match(nf.stderr, /No such container: nosuchcontainer/i);
    const bad = await docker(['run', '--name', 'bad name', 'bb']);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /Invalid container name/);
    const flag = await docker(['run', '--no-such-flag', 'bb']);
    assert.equal(flag.code, 125);
    const ps = await docker(['ps', '-a', '--format', '{{.Names}}']);
    assert.doesNotMatch(ps.stdout, /bad name/);
  });

  test('seccomp: new user namespaces are refused by default; seccomp=unconfined, --cap-add SYS_ADMIN and a profile file change that', async () => {
    const userns = ['run', '--rm', '--network', 'none'];
    const refused = await docker([...userns, 'bb', 'unshare', '-U', 'true']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /unshare\(0x10000000\): Operation not permitted/);
    assert.equal((await docker([...userns, '--security-opt', 'seccomp=unconfined', 'bb', 'unshare', '-U', 'true'])).code, 0);
    assert.equal((await docker([...userns, '--cap-add', 'SYS_ADMIN', 'bb', 'unshare', '-m', 'true'])).code, 0);
    assert.equal((await docker([...userns, '--privileged', 'bb', 'unshare', '-U', 'true'])).code, 0);
    const profile = path.join(d.base, 'no-mkdir.json');
    await fs.writeFile(profile, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }] }));
    const custom = await docker([...userns, '--security-opt', `seccomp=${profile}`, 'bb', 'sh', '-c', 'mkdir /x || exit 7; unshare -U true && echo userns-ok']);
    assert.equal(custom.code, 7, custom.stderr);
    const bad = await docker(['create', '--security-opt', 'seccomp={nope', 'bb', 'true']);
    assert.equal(bad.code, 125);
  });

  test('docker update: new limits reach a running container\'s cgroup and its record; bad values change nothing', async () => {
    const name = 'upd';
    assert.equal((await docker(['run', '-d', '--name', name, '--network', 'none', 'bb', 'sleep', '60'])).code, 0);
    try {
      const u = await docker(['update', '--memory', '64m', '--memory-swap', '128m', '--pids-limit', '50', '--restart', 'on-failure:3', name]);
      assert.deepEqual([u.code, u.stdout], [0, `${name}\n`], u.stderr);
      const limit = await docker(['exec', name, 'sh', '-c', 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max']);
      assert.equal(limit.stdout, '67108864\n');
      const rec = await docker(['inspect', '--format', '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.PidsLimit}} {{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}', name]);
      assert.equal(rec.stdout, '67108864 134217728 50 on-failure:3\n');
      const bad = await docker(['update', '--memory', '1m', name]);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /Minimum memory limit allowed is 6MB/);
      const above = await docker(['update', '--memory', '256m', name]);
      assert.match(above.stderr, /update the memoryswap at the same time/);
      assert.equal((await docker(['inspect', '--format', '{{.HostConfig.Memory}}', name])).stdout, '67108864\n');
    } finally {
      await docker(['rm', '-f', name]);
    }
  });
});

/**
 * Drop-in details: what the docker CLI (28) prints against berthd, checked against what it
 * printed against dockerd for the same commands (each test names the dockerd output it matches).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { readlinkSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { startDaemon, cli, DOCKER, type TestDaemon } from '../../kit/daemon';
import { makeBusyboxTar } from '../../kit/busybox';

let d: TestDaemon;
const docker = (args: string[], opts?: { input?: string | Buffer; timeoutMs?: number }) => cli(DOCKER, d, args, opts);

describe('docker CLI against berthd, as against dockerd', () => {
  before(async () => {
    d = await startDaemon('dropin');
    const tar = await makeBusyboxTar(path.join(d.base, 'bb.tar'));
    const r = await docker(['import', tar, 'bb:latest']);
    assert.equal(r.code, 0, r.stderr);
    const run = await docker(['run', '-d', '--name', 'box', '--network', 'none', 'bb', 'sleep', '300']);
    assert.equal(run.code, 0, run.stderr);
  });
  after(async () => {
    await d?.close();
  });

  test('`id` lists the primary group among the groups (dockerd puts it in additionalGids)', async () => {
    const r = await docker(['run', '--rm', '--network', 'none', 'bb', 'id']);
    assert.equal(r.stdout, 'uid=0(root) gid=0(root) groups=0(root)\n', r.stderr);
    const u = await docker(['run', '--rm', '--network', 'none', '-u', '1000', '--group-add', '50', 'bb', 'id']);
    assert.equal(u.stdout, 'uid=1000(user) gid=1000(user) groups=50,1000(user)\n', u.stderr);
    const e = await docker(['exec', '-u', '5000:6000', 'box', 'id']);
    assert.equal(e.stdout, 'uid=5000 gid=6000 groups=6000\n', e.stderr);
  });

  test('exec -u of an unknown user: the message on stdout, exit code 126', async () => {
    const r = await docker(['exec', '-u', 'nouser', 'box', 'true']);
    assert.equal(r.stdout, 'unable to find user nouser: no matching entries in passwd file\r\n', r.stderr);
    assert.equal(r.code, 126);
  });

  test('ps shows COMMAND with arguments in single quotes, as dockerd', async () => {
    const c = await docker(['create', '--name', 'quoted', 'bb', 'sh', '-c', 'exit 2']);
    assert.equal(c.code, 0, c.stderr);
    const r = await docker(['ps', '-a', '--filter', 'name=quoted', '--format', '{{.Command}}']);
    assert.equal(r.stdout, `"sh -c 'exit 2'"\n`, r.stderr);
    await docker(['rm', 'quoted']);
  });

  test('the process env is PATH, HOSTNAME, TERM, then -e; inspect shows only what was set and no default WorkingDir', async () => {
    const r = await docker(['run', '--rm', '--network', 'none', '-t', '-e', 'FOO=bar', '--hostname', 'h1', 'bb', 'env']);
    assert.equal(r.stdout, 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\r\nHOSTNAME=h1\r\nTERM=xterm\r\nFOO=bar\r\nHOME=/root\r\n', r.stderr);
    const i = await docker(['inspect', '-f', '{{json .Config.Env}} {{json .Config.WorkingDir}}', 'box']);
    assert.equal(i.stdout, 'null ""\n', i.stderr);
    const pwd = await docker(['exec', 'box', 'pwd']);
    assert.equal(pwd.stdout, '/\n', pwd.stderr);
  });

  test('an imported image\'s Comment is "Imported from -"', async () => {
    const r = await docker(['image', 'inspect', '-f', '{{.Comment}}', 'bb']);
    assert.equal(r.stdout, 'Imported from -\n', r.stderr);
  });

  test('inspect --size gives SizeRw and SizeRootFs', async () => {
    assert.equal((await docker(['exec', 'box', 'sh', '-c', 'printf 12345 > /tmp/f'])).code, 0);
    const r = await docker(['inspect', '--size', '-f', '{{.SizeRw}} {{.SizeRootFs}}', 'box']);
    const [rw, rootfs] = r.stdout.trim().split(' ').map(Number);
    assert.equal(rw, 5, r.stdout + r.stderr);
    assert.ok(rootfs! > 1_000_000, r.stdout);
    const plain = await docker(['inspect', '-f', '{{.SizeRw}}', 'box']);
    assert.equal(plain.stdout, '<nil>\n');
  });

  test('kill, rename and exec refuse in Docker 28\'s words', async () => {
    const c = await docker(['create', '--name', 'idle', 'bb', 'true']);
    const id = c.stdout.trim();
    try {
      assert.equal((await docker(['kill', 'nosuch'])).stderr, 'Error response from daemon: cannot kill container: nosuch: No such container: nosuch\n');
      assert.equal((await docker(['kill', 'idle'])).stderr, `Error response from daemon: cannot kill container: idle: container ${id} is not running\n`);
      assert.equal((await docker(['kill', '-s', 'BOGUS', 'idle'])).stderr, 'Error response from daemon: cannot kill container: idle: invalid signal: BOGUS\n');
      const taken = await docker(['rename', 'idle', 'box']);
      assert.match(taken.stderr, /^Error response from daemon: Error when allocating new name: Conflict\. The container name "\/box" is already in use/);
      assert.match((await docker(['rename', 'idle', 'x'])).stderr, /^Error response from daemon: Error when allocating new name: Invalid container name \(\/x\)/);
      assert.match((await docker(['rename', 'nosuch', 'x'])).stderr, /^Error response from daemon: No such container: nosuch$/m);
      assert.equal((await docker(['pause', 'box'])).code, 0);
      const ex = await docker(['exec', 'box', 'true']);
      assert.equal(ex.stderr, 'Error response from daemon: Container box is paused, unpause the container before exec\n');
      assert.equal(ex.code, 1);
    } finally {
      await docker(['unpause', 'box']);
      await docker(['rm', 'idle']);
    }
  });

  test('top with options ps refuses: "ps: " and the first line ps wrote', async () => {
    const r = await docker(['top', 'box', '--bogus']);
    assert.equal(r.stderr, 'Error response from daemon: ps: error: unknown gnu long option\n');
    assert.equal(r.code, 1);
    const ok = await docker(['top', 'box', '-o', 'pid,comm']);
    assert.match(ok.stdout, /^PID +COMMAND\n\d+ +sleep\n$/, ok.stderr);
  });

  test('commit: Labels is a map even when empty, a bad --change names the instruction in lower case', async () => {
    const c = await docker(['commit', '-c', 'ENV A=1', 'box', 'committed:1']);
    assert.equal(c.code, 0, c.stderr);
    const i = await docker(['image', 'inspect', '-f', '{{json .Config.Labels}} {{json .Config.Env}}', 'committed:1']);
    assert.equal(i.stdout, '{} ["A=1"]\n', i.stderr);
    const bad = await docker(['commit', '-c', 'BOGUS x', 'box']);
    assert.equal(bad.stderr, 'Error response from daemon: bogus is not a valid change command\n');
    await docker(['rmi', 'committed:1']);
  });

  test('a missing image is named with the tag it defaulted to: "No such image: nosuch:latest"', async () => {
    assert.equal((await docker(['rmi', 'nosuch'])).stderr, 'Error response from daemon: No such image: nosuch:latest\n');
    assert.equal((await docker(['tag', 'nosuch', 'x'])).stderr, 'Error response from daemon: No such image: nosuch:latest\n');
    const run = await docker(['run', '--pull', 'never', 'nosuch:3']);
    assert.match(run.stderr, /^docker: Error response from daemon: No such image: nosuch:3$/m);
    assert.equal(run.code, 125);
  });

  test('a bad --mount is refused before the image is looked up (no pull of a missing image)', async () => {
    const r = await docker(['run', '--rm', '--mount', `type=bind,src=${d.base}/nonexistent,dst=/x`, 'nosuch-image-dropin']);
    assert.equal(r.stderr, `docker: Error response from daemon: invalid mount config for type "bind": bind source path does not exist: ${d.base}/nonexistent\n\nRun 'docker run --help' for more information\n`);
    assert.equal(r.code, 125);
  });

  test('the die event carries exitCode and execDuration, as Docker 28', async () => {
    const since = String(Math.floor(Date.now() / 1000) - 1);
    const r = await docker(['run', '--name', 'dies', '--network', 'none', 'bb', 'sh', '-c', 'exit 3']);
    assert.equal(r.code, 3, r.stderr);
    await docker(['rm', 'dies']);
    const until = String(Math.floor(Date.now() / 1000) + 1);
    const ev = await docker(['events', '--since', since, '--until', until, '--filter', 'container=dies', '--filter', 'event=die', '--format', '{{.Actor.Attributes.exitCode}} {{.Actor.Attributes.execDuration}}']);
    assert.equal(ev.stdout, '3 0\n', ev.stderr);
  });

  test('system df counts a shared layer once; a load of an image already here keeps its parent', async () => {
    assert.equal((await docker(['commit', 'box', 'kid:1'])).code, 0);
    const file = path.join(d.base, 'kid.tar');
    assert.equal((await docker(['save', '-o', file, 'kid:1'])).code, 0);
    const l = await docker(['load', '-i', file]);
    assert.equal(l.code, 0, l.stderr);
    const parent = await docker(['image', 'inspect', '-f', '{{.Parent}}', 'kid:1']);
    assert.match(parent.stdout, /^sha256:[0-9a-f]{64}\n$/, parent.stderr);
    const df = await docker(['system', 'df', '--format', '{{.Type}}={{.Size}}']);
    const images = /^Images=([\d.]+)MB$/m.exec(df.stdout);
    assert.ok(images, df.stdout + df.stderr);
    // bb and kid:1 share bb's ~2 MB layer: counted twice it would be ~4 MB
    assert.ok(Number(images[1]) < 3, df.stdout);
    await docker(['rmi', 'kid:1']);
  });

  test('inspect and info tell the cgroup namespace the container really has (the host\'s on cgroup v1)', async () => {
    const i = await docker(['inspect', '-f', '{{.HostConfig.CgroupnsMode}} {{.State.Pid}}', 'box']);
    const [mode, pid] = i.stdout.trim().split(' ');
    const own = readlinkSync(`/proc/${pid}/ns/cgroup`) !== readlinkSync('/proc/self/ns/cgroup');
    assert.equal(mode, own ? 'private' : 'host', i.stdout);
    const info = await docker(['info', '-f', '{{json .SecurityOptions}}']);
    assert.equal(info.stdout.includes('name=cgroupns'), own, info.stdout);
  });

  test('ps: -l is the last created in any state, exited= needs -a, ancestor follows what the name points to now', async () => {
    const r = await docker(['run', '--name', 'last5', '--network', 'none', 'bb', 'sh', '-c', 'exit 5']);
    assert.equal(r.code, 5, r.stderr);
    try {
      assert.equal((await docker(['ps', '-l', '--format', '{{.Names}}'])).stdout, 'last5\n');
      assert.equal((await docker(['ps', '--filter', 'exited=5', '--format', '{{.Names}}'])).stdout, '');
      assert.equal((await docker(['ps', '-a', '--filter', 'exited=5', '--format', '{{.Names}}'])).stdout, 'last5\n');
      const bad = await docker(['ps', '--filter', 'status=bogus']);
      assert.equal(bad.stderr, "Error response from daemon: invalid filter 'status=bogus': invalid value for state (bogus): must be one of created, running, paused, restarting, removing, exited, dead\n");
      const id = (await docker(['image', 'inspect', '-f', '{{.Id}}', 'bb'])).stdout.trim();
      assert.match((await docker(['ps', '-a', '--filter', 'ancestor=bb', '--format', '{{.Names}}'])).stdout, /^last5$/m);
      // bb now names another image: last5's image shows as its id and is no longer bb's descendant
      assert.equal((await docker(['tag', 'bb', 'bb-old'])).code, 0);
      assert.equal((await docker(['import', path.join(d.base, 'bb.tar'), 'bb:latest', '-c', 'ENV MOVED=1'])).code, 0);
      assert.equal((await docker(['ps', '-a', '--filter', 'ancestor=bb', '--format', '{{.Names}}'])).stdout, '');
      assert.match((await docker(['ps', '-a', '--filter', 'ancestor=bb-old', '--format', '{{.Names}}'])).stdout, /^last5$/m);
      assert.equal((await docker(['ps', '-a', '--filter', 'name=last5', '--format', '{{.Image}}', '--no-trunc'])).stdout, `${id}\n`);
    } finally {
      await docker(['rm', 'last5']);
      await docker(['tag', 'bb-old', 'bb']);
      await docker(['rmi', 'bb-old']);
    }
  });

  test('run -a stdout / -a stderr attach only that stream (the CLI crashed on a stream it had not asked for)', async () => {
    const out = await docker(['run', '--rm', '--network', 'none', '-a', 'stdout', 'bb', 'sh', '-c', 'echo out; echo err >&2']);
    assert.deepEqual([out.code, out.stdout, out.stderr], [0, 'out\n', '']);
    const err = await docker(['run', '--rm', '--network', 'none', '-a', 'stderr', 'bb', 'sh', '-c', 'echo out; echo err >&2']);
    assert.deepEqual([err.code, err.stdout, err.stderr], [0, '', 'err\n']);
  });

  test('--domainname: /etc/hostname holds the host name alone, /etc/hosts gives the full name', async () => {
    const r = await docker(['run', '--rm', '-h', 'myhost', '--domainname', 'd.example', 'bb', 'sh', '-c', 'cat /etc/hostname; tail -1 /etc/hosts | cut -f2; hostname -f']);
    assert.equal(r.stdout, 'myhost\nmyhost.d.example myhost\nmyhost.d.example\n', r.stderr);
  });

  test('logs --details puts the kept attrs (or nothing) and a space before each line; a junk --tail means all', async () => {
    const r = await docker(['run', '--name', 'detailed', '--network', 'none', '--label', 'svc=web', '--log-opt', 'labels=svc', '-e', 'E=1', '--log-opt', 'env=E', 'bb', 'sh', '-c', 'echo a; echo b']);
    assert.equal(r.code, 0, r.stderr);
    try {
      assert.equal((await docker(['logs', '--details', 'detailed'])).stdout, 'E=1,svc=web a\nE=1,svc=web b\n');
      assert.equal((await docker(['logs', '--tail', 'x', 'detailed'])).stdout, 'a\nb\n');
      const plain = await docker(['run', '--name', 'plain', '--network', 'none', 'bb', 'echo', 'p']);
      assert.equal(plain.code, 0, plain.stderr);
      assert.equal((await docker(['logs', '--details', 'plain'])).stdout, ' p\n');
    } finally {
      await docker(['rm', 'detailed', 'plain']);
    }
  });

  test('create refuses more CPUs than the host has and a stop signal that is no signal', async () => {
    const n = availableParallelism();
    const cpus = await docker(['create', '--cpus', String(n + 1), 'bb', 'true']);
    assert.equal(cpus.stderr, `Error response from daemon: range of CPUs is from 0.01 to ${n}.00, as there are only ${n} CPUs available\n`);
    const sig = await docker(['create', '--stop-signal', 'BOGUS', 'bb', 'true']);
    assert.equal(sig.stderr, 'Error response from daemon: invalid signal: BOGUS\n');
    assert.equal((await docker(['ps', '-a', '--filter', 'status=created', '-q'])).stdout, '', 'nothing half-made');
  });
});

/**
 * Differential check: drives `bin/berth` against a real dockerd (its own socket and
 * data dirs), or against BERTH_TEST_HOST when set. Skips with a reason when neither exists.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeBusyboxTar } from '../../kit/busybox';

const BERTH = path.resolve(__dirname, '../../../../bin/berth');
const dockerdPath = ['/usr/sbin/dockerd', '/usr/bin/dockerd'].find((p) => fs.existsSync(p));
const targetHost = process.env.BERTH_TEST_HOST;
const skip = !targetHost && !dockerdPath ? 'dockerd is not installed and BERTH_TEST_HOST is not set' : process.getuid?.() !== 0 && !targetHost ? 'dockerd needs root' : false;

let dir = '';
let host = targetHost ?? '';
let daemon: ChildProcess | undefined;

function berth(args: string[], input?: string): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [BERTH, '-H', host, ...args], { input, encoding: 'utf8', timeout: 30000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

async function waitFor(check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('timed out waiting for the daemon');
}

before(async () => {
  if (skip) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cli-e2e-'));
  if (!targetHost) {
    host = `unix://${dir}/d.sock`;
    daemon = spawn(dockerdPath!, ['--host', host, '--data-root', `${dir}/data`, '--exec-root', `${dir}/exec`, '--pidfile', `${dir}/d.pid`, '--bridge', 'none', '--iptables=false', '--default-ulimit', 'nofile=1024:1024', '--default-ulimit', 'nproc=1024:1024'], { stdio: ['ignore', fs.openSync(`${dir}/dockerd.log`, 'a'), fs.openSync(`${dir}/dockerd.log`, 'a')] });
    await waitFor(() => berth(['version', '--format', '{{.Server.Version}}']).code === 0, 30000);
  }
  const tar = await makeBusyboxTar(`${dir}/bb.tar`);
  const r = berth(['import', tar, 'berth-e2e-bb:1']);
  assert.equal(r.code, 0, r.err);
});

after(async () => {
  if (skip) return;
  const ids = berth(['ps', '-aq', '--filter', 'ancestor=berth-e2e-bb:1']).out.split('\n').filter(Boolean);
  if (ids.length) berth(['rm', '-f', ...ids]);
  berth(['rmi', '-f', 'berth-e2e-bb:1']);
  if (daemon) {
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon!.once('exit', r));
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('run --rm prints the output and exits with the container code', { skip }, () => {
  assert.deepEqual(berth(['run', '--rm', 'berth-e2e-bb:1', 'echo', 'hi']), { code: 0, out: 'hi\n', err: '' });
  assert.equal(berth(['run', '--rm', 'berth-e2e-bb:1', 'sh', '-c', 'exit 3']).code, 3);
});

test('run -i forwards piped stdin and half-closes', { skip }, () => {
  assert.equal(berth(['run', '-i', '--rm', 'berth-e2e-bb:1', 'cat'], 'piped\n').out, 'piped\n');
});

test('run of a missing command exits 127', { skip }, () => {
  const r = berth(['run', '--rm', 'berth-e2e-bb:1', '/nosuchcmd']);
  assert.equal(r.code, 127);
  assert.match(r.err, /Error response from daemon: .*no such file or directory/);
});

test('create, start -a, ps --format, inspect --format, logs, rm', { skip }, () => {
  const name = `berth-e2e-${process.pid}`;
  const id = berth(['create', '--name', name, '-l', 'e2e=1', 'berth-e2e-bb:1', 'sh', '-c', 'echo out; echo err >&2']).out.trim();
  assert.match(id, /^[0-9a-f]{64}$/);
  const started = berth(['start', '-a', name]);
  assert.equal(started.code, 0);
  assert.equal(started.out, 'out\n');
  assert.equal(started.err, 'err\n');
  assert.equal(berth(['ps', '-a', '--filter', `name=${name}`, '--format', '{{.Names}} {{.Label "e2e"}}']).out, `${name} 1\n`);
  assert.equal(berth(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', name]).out, 'exited 0\n');
  const logs = berth(['logs', name]);
  assert.equal(logs.out, 'out\n');
  assert.equal(logs.err, 'err\n');
  assert.equal(berth(['rm', name]).out, `${name}\n`);
  const gone = berth(['inspect', name]);
  assert.equal(gone.code, 1);
  assert.match(gone.err, /No such object/);
});

test('exec with -e and -w, and its exit code', { skip }, () => {
  const name = `berth-e2e-exec-${process.pid}`;
  assert.equal(berth(['run', '-d', '--name', name, 'berth-e2e-bb:1', 'sleep', '30']).code, 0);
  const r = berth(['exec', '-e', 'X=1', '-w', '/bin', name, 'sh', '-c', 'echo $X; pwd; exit 4']);
  assert.equal(r.out, '1\n/bin\n');
  assert.equal(r.code, 4);
  assert.equal(berth(['rm', '-f', name]).code, 0);
});

test('unknown flags exit 125 with a usage hint', { skip }, () => {
  const r = berth(['run', '--nope', 'berth-e2e-bb:1']);
  assert.equal(r.code, 125);
  assert.match(r.err, /unknown flag: --nope/);
});

test('volume create, ls, inspect, rm and prune print what docker prints', { skip }, () => {
  const a = `berth-e2e-va-${process.pid}`;
  const b = `berth-e2e-vb-${process.pid}`;
  try {
    assert.deepEqual(berth(['volume', 'create', a]), { code: 0, out: `${a}\n`, err: '' });
    assert.equal(berth(['volume', 'create', '--label', 'berthe2e=1', b]).code, 0);
    assert.equal(berth(['volume', 'ls', '--filter', 'label=berthe2e=1', '--format', '{{.Name}}|{{.Driver}}|{{.Labels}}|{{.Links}}']).out, `${b}|local|berthe2e=1|N/A\n`);
    const ls = berth(['volume', 'ls', '--filter', `name=berth-e2e-v`]).out;
    assert.match(ls, /^DRIVER\s+VOLUME NAME\n/);
    assert.match(ls, new RegExp(`^local\\s+${a}\\n`, 'm'));
    assert.equal(berth(['volume', 'inspect', '--format', '{{.Name}} {{.Scope}} {{.Driver}}', a]).out, `${a} local local\n`);
    const missing = berth(['volume', 'inspect', 'berth-e2e-nosuchvol']);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /Error response from daemon: get berth-e2e-nosuchvol: no such volume/);
    assert.deepEqual(berth(['volume', 'prune', '-a', '-f', '--filter', 'label=berthe2e=1']), { code: 0, out: `Deleted Volumes:\n${b}\n\nTotal reclaimed space: 0B\n`, err: '' });
    assert.deepEqual(berth(['volume', 'rm', a]), { code: 0, out: `${a}\n`, err: '' });
    assert.equal(berth(['volume', 'ls', '-q', '--filter', 'name=berth-e2e-v']).out, '');
  } finally {
    berth(['volume', 'rm', '-f', a, b]);
  }
});

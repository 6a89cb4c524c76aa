/**
 * `berth build` with Dockerfile frontend 1.x syntax against berthd: the same Dockerfile as the
 * docker CLI test (here-documents, a cache mount, two stages that must run at once) plus a
 * secret sent with --secret that reaches its RUN and no layer, history or context copy;
 * --iidfile, -o type=tar|local, --cache-from and the plain progress view; RUN --mount=type=ssh
 * relaying to an ssh-agent given by its socket or by key files.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startDaemon, cli, BERTH, type TestDaemon } from '../../kit/daemon';
import { makeBusyboxTar } from '../../kit/busybox';
import { FRONTEND_DOCKERFILE, SECRET_VALUE, saveContains, writeContext } from '../../kit/build-frontend';

let d: TestDaemon;
const berth = (args: string[]) => cli(BERTH, d, args, { timeoutMs: 120_000 });
const run = randomBytes(3).toString('hex');
const T = { timeout: 180_000 };

const context = (files: Record<string, string>): Promise<string> => writeContext(d.base, files);

async function ok(args: string[]): Promise<string> {
  const r = await berth(args);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

function save(image: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(BERTH, ['save', image], { env: d.env, encoding: 'buffer', maxBuffer: 256 << 20 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });
}

describe('berth build with Dockerfile frontend 1.x syntax', () => {
  before(async () => {
    d = await startDaemon('bbfe');
    await ok(['import', await makeBusyboxTar(path.join(d.base, 'bb.tar')), 'bb:latest']);
  });
  after(async () => {
    await d?.close();
  });

  test('heredocs, a cache mount kept between builds, a secret in no layer, stages side by side', T, async () => {
    const tag = `fe-${run}`;
    const ctx = await context({ Dockerfile: FRONTEND_DOCKERFILE, 'keep.txt': 'k\n' });
    const secretFile = path.join(d.base, 'token.txt');
    await fs.writeFile(secretFile, SECRET_VALUE);
    const iid = path.join(d.base, 'iid');
    try {
      const build = (sync: string, more: string[] = []) =>
        berth(['build', ...more, '-t', tag, '--iidfile', iid, '--secret', `id=token,src=${secretFile}`, '--build-arg', 'WHO=world', '--build-arg', `SYNC=${sync}`, ctx]);
      const first = await build(`${run}-1`);
      assert.equal(first.code, 0, first.stdout + first.stderr);
      const id = await fs.readFile(iid, 'utf8');
      assert.match(id, /^sha256:[0-9a-f]{64}$/);
      assert.equal((await ok(['image', 'inspect', '--format', '{{.Id}}', tag])).trim(), id);
      assert.equal(await ok(['run', '--rm', tag]), `left\n1\nhello world\n${SECRET_VALUE.length}\n`);
      const again = await build(`${run}-2`, ['--no-cache']);
      assert.equal(again.code, 0, again.stdout + again.stderr);
      assert.equal(await ok(['run', '--rm', tag]), `left\n2\nhello world\n${SECRET_VALUE.length}\n`);
      // two builds, two files in the cache directory under the data root
      const caches = path.join(d.dataRoot, 'builder', 'cache-mounts');
      const counts: number[] = [];
      for (const dir of await fs.readdir(caches)) {
        const files = await fs.readdir(path.join(caches, dir, '0'));
        if (files.some((f) => f.startsWith('build-'))) counts.push(files.length);
      }
      assert.deepEqual(counts, [2]);
      // the secret is in no layer, no config, no history; the context the daemon kept had it taken out
      assert.equal(await saveContains(await save(tag), SECRET_VALUE), false);
      assert.doesNotMatch(await ok(['history', '--no-trunc', tag]), new RegExp(SECRET_VALUE));
      const withCopy = await context({ Dockerfile: 'FROM bb\nCOPY . /ctx/\nRUN --mount=type=secret,id=token,required=true test -s /run/secrets/token\nRUN find /ctx -type f | sort > /files\n' });
      await ok(['build', '--secret', `id=token,src=${secretFile}`, '-t', `${tag}-ctx`, withCopy]);
      assert.equal(await ok(['run', '--rm', `${tag}-ctx`, 'cat', '/files']), '/ctx/Dockerfile\n');
      assert.equal(await saveContains(await save(`${tag}-ctx`), SECRET_VALUE), false);
    } finally {
      await berth(['rmi', '-f', tag, `${tag}-ctx`]);
    }
  });

  test('-o type=tar and -o DIR write the image filesystem; --progress=plain shows steps, CACHED and times', T, async () => {
    const ctx = await context({ Dockerfile: 'FROM bb\nRUN echo made > /made\nCOPY <<EOF /note\nnote\nEOF\n' });
    const tarFile = path.join(d.base, 'out.tar');
    const dir = path.join(d.base, 'out-dir');
    const first = await berth(['build', '--progress=plain', '-o', `type=tar,dest=${tarFile}`, ctx]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /^#1 \[stage-0 1\/3\] FROM bb$/m);
    assert.match(first.stderr, /^#2 \[stage-0 2\/3\] RUN echo made > \/made\n#2 DONE \d+\.\ds$/m);
    const names = await new Promise<string>((resolve, reject) => execFile('tar', ['-tf', tarFile], (e, out) => (e ? reject(e) : resolve(out))));
    assert.ok(names.split('\n').includes('made') && names.split('\n').includes('note'), names);
    const second = await berth(['build', '--progress=plain', '-o', dir, ctx]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /^#2 CACHED$/m);
    assert.equal(await fs.readFile(path.join(dir, 'made'), 'utf8'), 'made\n');
    assert.equal(await fs.readFile(path.join(dir, 'note'), 'utf8'), 'note\n');
  });

  test('--cache-from: steps are reused only from the named image', T, async () => {
    const tag = `fe-cf-${run}`;
    const ctx = await context({ Dockerfile: 'FROM bb\nRUN echo one > /one\n' });
    try {
      await ok(['build', '-t', tag, ctx]);
      const named = await ok(['build', '--cache-from', tag, ctx]);
      assert.match(named, /Using cache/);
      await ok(['import', await makeBusyboxTar(path.join(d.base, 'bb2.tar')), `other-${run}`]);
      const other = await ok(['build', '--cache-from', `other-${run}`, ctx]);
      assert.doesNotMatch(other, /Using cache/);
    } finally {
      await berth(['rmi', '-f', tag, `other-${run}`]);
    }
  });

  test('RUN --mount=type=ssh reaches the agent --ssh names (a socket, or key files), as the owner and mode asked, in no layer', T, async () => {
    const tag = `fe-ssh-${run}`;
    const dir = path.join(d.base, 'ssh');
    await fs.mkdir(dir, { recursive: true });
    const key = path.join(dir, 'key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    const sock = path.join(dir, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 100 && !(await fs.stat(sock).catch(() => undefined)); i++) await new Promise((r) => setTimeout(r, 20));
      execFileSync('ssh-add', [key], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
      const ctx = await context({
        Dockerfile: [
          'FROM bb',
          'RUN --mount=type=ssh --mount=type=bind,source=agent-probe,target=/probe /probe > /ids && echo "$SSH_AUTH_SOCK" > /sock',
          'RUN --mount=type=ssh,id=keys,required --mount=type=bind,source=agent-probe,target=/probe /probe >> /ids',
          "RUN --mount=type=ssh,uid=1000,mode=0660,target=/agent stat -c '%u %a' /agent > /owner",
          'RUN --mount=type=ssh,id=elsewhere echo "[${SSH_AUTH_SOCK:-unset}]" > /unforwarded',
          '',
        ].join('\n'),
      });
      // a static client: busybox has no ssh-add, and its nc cannot dial a unix socket
      execFileSync('gcc', ['-static', '-O2', '-o', path.join(ctx, 'agent-probe'), path.resolve(__dirname, '../../../../test/kit/agent-probe.c')]);
      await ok(['build', '-t', tag, '--ssh', `default=${sock}`, '--ssh', `keys=${key}`, ctx]);
      assert.equal(await ok(['run', '--rm', tag, 'cat', '/ids', '/sock', '/owner', '/unforwarded']), 'identities=1\nidentities=1\n/run/buildkit/ssh_agent.0\n1000 660\n[unset]\n');
      assert.equal((await berth(['run', '--rm', tag, 'ls', '/run/buildkit', '/agent'])).code, 1, 'the mount points stay out of the layers');
      // the agent berth build started for the key file ended with the build
      const left = () => execFileSync('sh', ['-c', `pgrep -f '[s]sh-agent -D -a ${os.tmpdir()}/berth-ssh-' || true`]).toString();
      for (let i = 0; i < 50 && left() !== ''; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(left(), '');
      const required = await context({ Dockerfile: 'FROM bb\nRUN --mount=type=ssh,id=work,required true\n' });
      const r = await berth(['build', '--ssh', `default=${sock}`, required]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /ssh work: no SSH agent socket or key was forwarded for this id/);
      const notSocket = await berth(['build', '--ssh', `default=${path.join(dir, 'missing')}`, required]);
      assert.notEqual(notSocket.code, 0);
      assert.match(notSocket.stderr, /missing: no such file or socket/);
    } finally {
      agent.kill();
      await berth(['rmi', '-f', tag]);
    }
  });
});

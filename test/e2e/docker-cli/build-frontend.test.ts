/**
 * Dockerfile frontend 1.x through the real docker CLI's classic builder (DOCKER_BUILDKIT=0)
 * against berthd: here-documents, a cache mount that outlives a build, a secret mount,
 * independent stages that run at the same time, --target building only what it needs,
 * and the words for what cannot be done. The docker CLI cannot send a secret without
 * BuildKit (its --secret needs buildx), so here the secret is absent; test/e2e/berth-cli
 * sends one.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as net from 'node:net';
import { execFileSync, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { freePort } from '../../kit/ports';
import { randomBytes } from 'node:crypto';
import { startDaemon, cli, DOCKER, type TestDaemon } from '../../kit/daemon';
import { makeBusyboxTar } from '../../kit/busybox';
import { FRONTEND_DOCKERFILE, writeContext } from '../../kit/build-frontend';

let d: TestDaemon;
const docker = (args: string[]) => cli(DOCKER, d, args, { timeoutMs: 120_000 });
const run = randomBytes(3).toString('hex');
const T = { timeout: 180_000 };

const context = (files: Record<string, string>): Promise<string> => writeContext(d.base, files);

async function ok(args: string[]): Promise<string> {
  const r = await docker(args);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

describe('docker build (classic builder) with Dockerfile frontend 1.x syntax against berthd', () => {
  before(async () => {
    d = await startDaemon('bfe');
    d.env.DOCKER_BUILDKIT = '0';
    await ok(['import', await makeBusyboxTar(path.join(d.base, 'bb.tar')), 'bb:latest']);
  });
  after(async () => {
    await d?.close();
  });

  test('heredocs, a cache mount kept between builds, an absent optional secret, stages side by side', T, async () => {
    const tag = `fe-${run}`;
    const ctx = await context({ Dockerfile: FRONTEND_DOCKERFILE });
    try {
      const first = await docker(['build', '-t', tag, '--build-arg', 'WHO=world', '--build-arg', `SYNC=${run}-1`, ctx]);
      assert.equal(first.code, 0, first.stdout + first.stderr);
      // the classic stream, in Dockerfile order although the stages ran at once
      const steps = [...first.stdout.matchAll(/^Step (\d+)\/(\d+) : /gm)].map((m) => Number(m[1]));
      assert.deepEqual(steps, steps.map((_, i) => i + 1));
      assert.equal(await ok(['run', '--rm', tag]), 'left\n1\nhello world\nnone\n');
      // the cached RUN of stage right does not run again; --no-cache runs it over the same cache
      const again = await docker(['build', '--no-cache', '-t', tag, '--build-arg', 'WHO=world', '--build-arg', `SYNC=${run}-2`, ctx]);
      assert.equal(again.code, 0, again.stdout + again.stderr);
      assert.equal(await ok(['run', '--rm', tag]), 'left\n2\nhello world\nnone\n');
    } finally {
      await docker(['rmi', '-f', tag]);
    }
  });

  test('bind mounts from the context (read-only, or writes thrown away) and from a stage; COPY --from of "/", --parents, --exclude', T, async () => {
    const tag = `fe-bind-${run}`;
    const ctx = await context({
      Dockerfile: [
        'FROM bb AS made',
        'RUN mkdir /out && echo made > /out/m',
        'FROM bb',
        'RUN --mount=type=bind,source=src,target=/src cat /src/a.txt > /a && ! touch /src/new 2>/dev/null',
        'RUN --mount=type=bind,source=src,target=/src,rw touch /src/new && ls /src | wc -l > /rw',
        'RUN --mount=from=made,target=/m cat /m/out/m > /from-stage',
        'COPY --from=made / /root-copy/',
        'COPY --parents --exclude=**/*.md src/ /p/',
        'CMD ["sh", "-c", "cat /a /rw /from-stage /root-copy/out/m; find /p -type f | sort"]',
      ].join('\n'),
      'src/a.txt': 'a\n',
      'src/doc.md': 'doc\n',
      'src/sub/b.txt': 'b\n',
      'src/sub/c.md': 'c\n',
    });
    try {
      await ok(['build', '-t', tag, ctx]);
      assert.equal(await ok(['run', '--rm', tag]), 'a\n4\nmade\nmade\n/p/src/a.txt\n/p/src/sub/b.txt\n');
      // the read-write bind left the context as it was: a rebuild is all cache hits
      assert.doesNotMatch(await ok(['build', '-t', tag, ctx]), /Running in/);
    } finally {
      await docker(['rmi', '-f', tag]);
    }
  });

  test('--target builds only the stages it needs', T, async () => {
    const tag = `fe-target-${run}`;
    const ctx = await context({
      Dockerfile: ['FROM bb AS never', 'RUN exit 3', 'FROM bb AS base', 'RUN echo base > /base', 'FROM base AS wanted', 'COPY --from=0 /bin/busybox /never-copied-from', 'FROM base AS also', 'RUN exit 4'].join('\n').replace('COPY --from=0 /bin/busybox /never-copied-from', 'RUN cat /base'),
    });
    try {
      const b = await docker(['build', '--target', 'wanted', '-t', tag, ctx]);
      assert.equal(b.code, 0, b.stdout + b.stderr);
      assert.doesNotMatch(b.stdout, /exit 3|exit 4/);
      assert.match(b.stdout, /^Step 4\/4 : RUN cat \/base$/m);
    } finally {
      await docker(['rmi', '-f', tag]);
    }
  });

  test('a failed stage stops the build with its exit code; a required secret that is missing is named', T, async () => {
    const failing = await context({ Dockerfile: ['FROM bb AS a', 'RUN sleep 30', 'FROM bb AS b', 'RUN exit 7', 'FROM bb', 'COPY --from=a /bin/sh /a', 'COPY --from=b /bin/sh /b'].join('\n') });
    const f = await docker(['build', failing]);
    assert.equal(f.code, 7, f.stdout + f.stderr);
    assert.match(f.stderr, /The command '\/bin\/sh -c exit 7' returned a non-zero code: 7/);
    // the failed step's container stays, as Docker leaves it; nothing of the stage that was stopped does
    const left = (await ok(['ps', '-a', '--no-trunc', '--format', '{{.ID}} {{.Command}}'])).trim().split('\n').filter(Boolean);
    assert.equal(left.length, 1, left.join('\n'));
    assert.match(left[0] as string, /exit 7/);
    await ok(['rm', (left[0] as string).split(' ')[0] as string]);
    const secret = await context({ Dockerfile: 'FROM bb\nRUN --mount=type=secret,id=token,required=true cat /run/secrets/token\n' });
    const s = await docker(['build', secret]);
    assert.notEqual(s.code, 0);
    assert.match(s.stderr, /secret token: not found/);
  });

  test('frontends other than docker/dockerfile are refused in words; ssh mounts without an agent are left out, or fail when required', T, async () => {
    const other = await context({ Dockerfile: '# syntax=example.com/my/frontend:2\nFROM bb\n' });
    const o = await docker(['build', other]);
    assert.notEqual(o.code, 0);
    assert.match(o.stderr, /frontend example\.com\/my\/frontend:2.*docker\/dockerfile:1/);
    // the docker CLI forwards no agent over the classic API: an optional ssh mount is left out, a required one fails
    const optional = await context({ Dockerfile: 'FROM bb\nRUN --mount=type=ssh test -z "$SSH_AUTH_SOCK" && test ! -e /run/buildkit/ssh_agent.0\n' });
    const o2 = await docker(['build', optional]);
    assert.equal(o2.code, 0, o2.stdout + o2.stderr);
    const ssh = await context({ Dockerfile: 'FROM bb\nRUN --mount=type=ssh,required=true true\n' });
    const s = await docker(['build', ssh]);
    assert.notEqual(s.code, 0);
    assert.match(s.stderr, /ssh default: no SSH agent socket or key was forwarded/);
  });
  test('ADD of git repositories from a git daemon on 127.0.0.1: #ref:subdir, the default branch, --keep-git-dir, --checksum', T, async () => {
    const work = path.join(d.base, 'git-work');
    const served = path.join(d.base, 'git-served');
    const git = (args: string[], cwd = work) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd, encoding: 'utf8' }).trim();
    await fs.mkdir(path.join(work, 'sub'), { recursive: true });
    git(['init', '-q', '-b', 'main']);
    await fs.writeFile(path.join(work, 'a.txt'), 'first\n');
    await fs.writeFile(path.join(work, 'sub', 'b.txt'), 'in sub\n');
    git(['add', '.']);
    git(['commit', '-qm', 'one']);
    git(['tag', 'v1']);
    const v1 = git(['rev-parse', 'HEAD']);
    await fs.writeFile(path.join(work, 'a.txt'), 'second\n');
    git(['commit', '-qam', 'two']);
    await fs.mkdir(served);
    git(['clone', '-q', '--bare', work, path.join(served, 'repo.git')], d.base);
    const port = await freePort();
    const daemon = spawn('git', ['daemon', '--reuseaddr', '--listen=127.0.0.1', `--port=${port}`, `--base-path=${served}`, '--export-all', served], { stdio: 'ignore' });
    const url = `git://127.0.0.1:${port}/repo.git`;
    const tag = `git-${run}`;
    try {
      for (let up = false; !up; ) {
        up = await new Promise<boolean>((r) => net.connect(port, '127.0.0.1').once('connect', function (this: net.Socket) { this.destroy(); r(true); }).once('error', () => setTimeout(() => r(false), 50)));
      }
      const ctx = await context({
        Dockerfile: [
          'FROM bb',
          `ADD ${url}#v1:sub /from-tag`,
          `ADD ${url} /head/`,
          `ADD --keep-git-dir=true ${url}#main /kept`,
          `ADD --checksum=${v1} ${url}#${v1} /pinned`,
          'CMD cat /from-tag/b.txt /head/a.txt /pinned/a.txt && ls -A /head && test -d /kept/.git && echo kept',
        ].join('\n'),
      });
      await ok(['build', '-q', '-t', tag, ctx]);
      assert.equal(await ok(['run', '--rm', '--network', 'none', tag]), 'in sub\nsecond\nfirst\na.txt\nsub\nkept\n');
      await fs.writeFile(path.join(ctx, 'Dockerfile'), `FROM bb\nADD --checksum=${'0'.repeat(40)} ${url}#v1 /x\n`);
      const wrong = await docker(['build', ctx]);
      assert.notEqual(wrong.code, 0);
      assert.match(wrong.stderr, new RegExp(`expected checksum to match 0{40}, got ${v1}`));
      await fs.writeFile(path.join(ctx, 'Dockerfile'), `FROM bb\nADD ${url}#no-such-branch /x\n`);
      const missing = await docker(['build', ctx]);
      assert.notEqual(missing.code, 0);
      assert.match(missing.stderr, /failed to fetch git source .*#no-such-branch/);
    } finally {
      daemon.kill();
      await docker(['rmi', '-f', tag]);
    }
  });
});

/**
 * The real docker CLI (28, no buildx: the classic builder's POST /build) against
 * berthd: Dockerfile builds with stages, COPY/ADD, ARG/ENV expansion, the build
 * cache and Docker's errors; and `docker commit` / `docker diff`, which the
 * builder's RUN steps are made of. Each test owns its names and cleans up in `finally`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import { startDaemon, cli, DOCKER, type TestDaemon } from '../../kit/daemon';
import { makeBusyboxTar } from '../../kit/busybox';
import { writeContext } from '../../kit/build-frontend';

let d: TestDaemon;
const docker = (args: string[], opts?: { input?: string | Buffer; timeoutMs?: number }) => cli(DOCKER, d, args, opts);
const run = randomBytes(3).toString('hex');
const uniq = (what: string): string => `${what}-${run}`;
const T = { timeout: 120_000 };

const context = (files: Record<string, string>): Promise<string> => writeContext(d.base, files);

async function out(args: string[]): Promise<string> {
  const r = await docker(args);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Polls `probe` until it gives a truthy value (at most 30 s): the value. */
async function waitFor<T>(probe: () => Promise<T | false>, what: string): Promise<T> {
  for (const end = Date.now() + 30_000; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
    const v = await probe();
    if (v) return v;
  }
  throw new Error(`timed out waiting until ${what}`);
}

/** The runtime ids of light RUN steps (runc's state dirs). */
/** Steps the runtime knows: under crun's own root where steps run under crun, else under runc's. */
async function runningSteps(): Promise<string[]> {
  const ids = await Promise.all(['runc', 'crun-steps'].map((r) => fs.readdir(path.join(d.execRoot, r)).catch(() => [] as string[])));
  return ids.flat().filter((n) => n.startsWith('berth-build-'));
}

/** Neither the steps' runtime state, processes and network sandboxes, nor any mount under the data root is left. */
async function assertStepsGone(steps: string[]): Promise<void> {
  assert.deepEqual(await runningSteps(), []);
  const procs = async (): Promise<string[]> => {
    const out = [];
    for (const pid of await fs.readdir('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      const seen = await Promise.all([`/proc/${pid}/cmdline`, `/proc/${pid}/cgroup`].map((f) => fs.readFile(f, 'utf8').catch(() => '')));
      if (steps.some((s) => seen.some((t) => t.includes(s) || t.includes(`/berth/${s.slice('berth-build-'.length)}`)))) out.push(pid);
    }
    return out;
  };
  // a killed step's `runc run` notices its container's end a moment after the container is gone
  await waitFor(async () => (await procs()).length === 0, `no runtime or step process is left (${(await procs()).join(' ')})`);
  assert.ok(!(await fs.readFile('/proc/self/mountinfo', 'utf8')).includes(path.join(d.dataRoot, 'builder')), 'no step overlay is left mounted');
  const sandboxes = await fs.readdir(path.join(d.dataRoot, 'networks', 'sandboxes')).catch(() => [] as string[]);
  assert.ok(!sandboxes.some((f) => steps.some((s) => f.startsWith(s.slice('berth-build-'.length)))), 'no step network sandbox is left');
  assert.deepEqual(await fs.readdir(path.join(d.dataRoot, 'builder', 'steps')).catch(() => []), [], 'no step directory is left');
}

describe('docker build, commit and diff against berthd', () => {
  before(async () => {
    d = await startDaemon('bld');
    const tar = await makeBusyboxTar(path.join(d.base, 'bb.tar'));
    const r = await docker(['import', tar, 'bb:latest']);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await d?.close();
  });

  test('a two-stage build: ENV/ARG expansion, WORKDIR, COPY with .dockerignore, RUN, COPY --from, CMD', T, async () => {
    const tag = uniq('app');
    const ctx = await context({
      Dockerfile: [
        'ARG BASE=bb',
        'FROM $BASE AS builder',
        'ENV GREETING=hello APP_HOME=/app',
        'ARG WHO=nobody',
        'WORKDIR $APP_HOME',
        'COPY hello.txt sub/ ./',
        'RUN echo "$GREETING $WHO" > made.txt && ls /app > listing.txt',
        '',
        'FROM bb',
        'LABEL stage=final',
        'COPY --from=builder /app/ /srv/',
        'EXPOSE 8080',
        'CMD ["cat", "/srv/made.txt"]',
      ].join('\n'),
      'hello.txt': 'hi from the context\n',
      'sub/a.txt': 'a\n',
      'secret.txt': 'must not be sent\n',
      '.dockerignore': 'secret.txt\n',
    });
    try {
      const b = await docker(['build', '-t', tag, '--build-arg', 'WHO=world', ctx]);
      assert.equal(b.code, 0, b.stdout + b.stderr);
      assert.match(b.stdout, /^Step 1\/12 : ARG BASE=bb$/m);
      assert.match(b.stdout, /^Step 7\/12 : RUN echo "\$GREETING \$WHO" > made\.txt/m);
      assert.match(b.stdout, / ---> Running in [0-9a-f]{12}\n/);
      assert.match(b.stdout, new RegExp(`Successfully tagged ${tag}:latest`));
      assert.equal(await out(['run', '--rm', tag]), 'hello world\n');
      assert.equal(await out(['run', '--rm', tag, 'cat', '/srv/listing.txt']), 'a.txt\nhello.txt\nlisting.txt\nmade.txt\n', 'sub/ copies its contents; secret.txt stays out');
      const cfg = JSON.parse(await out(['image', 'inspect', '--format', '{{json .Config}}', tag])) as { Labels: Record<string, string>; ExposedPorts: Record<string, object>; Cmd: string[]; WorkingDir: string };
      assert.deepEqual(cfg.Labels, { stage: 'final' });
      assert.deepEqual(Object.keys(cfg.ExposedPorts), ['8080/tcp']);
      assert.deepEqual(cfg.Cmd, ['cat', '/srv/made.txt']);
      // the same build again comes from the cache and gives the same image
      const again = await docker(['build', '-q', '-t', `${tag}:2`, '--build-arg', 'WHO=world', ctx]);
      assert.equal(again.code, 0, again.stderr);
      const id = (await out(['image', 'inspect', '--format', '{{.Id}}', tag])).trim();
      assert.equal(again.stdout.trim(), id);
      // a changed file invalidates the COPY and what follows it
      await fs.writeFile(path.join(ctx, 'hello.txt'), 'changed\n');
      const changed = await docker(['build', '-t', `${tag}:3`, '--build-arg', 'WHO=world', ctx]);
      assert.equal(changed.code, 0, changed.stderr);
      assert.equal((changed.stdout.match(/Using cache/g) ?? []).length, 4, changed.stdout); // LABEL/ENV/ARG/WORKDIR of stage 1 (FROMs and global ARG are not steps with a cache)
      assert.notEqual((await out(['image', 'inspect', '--format', '{{.Id}}', `${tag}:3`])).trim(), id);
    } finally {
      await docker(['rmi', '-f', tag, `${tag}:2`, `${tag}:3`]);
      await fs.rm(ctx, { recursive: true, force: true });
    }
  });

  test('COPY and WORKDIR without a mount: kept modes above the destination, opaque dirs, a symlink on the way, same as a mounted tree', T, async () => {
    const tag = uniq('direct');
    const ctx = await context({
      Dockerfile: [
        'FROM bb',
        'RUN mkdir -p /data/keep /opq/old && echo k > /data/keep/had && chmod 1777 /data && chown 5:6 /data && ln -s /data /link',
        // recreated in one step: the new /opq is opaque, the directory /opq/old stays hidden under it
        'RUN rm -rf /opq && mkdir /opq && echo upper > /opq/new',
        'COPY f.txt /opq/old',
        'WORKDIR /data/work/deep',
        'COPY f.txt /data/',
        'COPY f.txt /opq/',
        'COPY f.txt /link/viasym.txt',
        'COPY dir /data/keep',
        'COPY f.txt dirname',
        'WORKDIR /link/wd',
      ].join('\n'),
      'f.txt': 'f\n',
      'dir/new': 'n\n',
    });
    try {
      const b = await docker(['build', '-q', '-t', tag, ctx]);
      assert.equal(b.code, 0, b.stdout + b.stderr);
      const seen = await out(['run', '--rm', tag, 'sh', '-c', 'stat -c "%a %u:%g" /data; ls /opq; cat /opq/old; ls /data/keep; cat /data/viasym.txt; ls /data/work/deep; ls -d /data/wd']);
      assert.equal(seen, ['1777 5:6', 'f.txt', 'new', 'old', 'f', 'had', 'new', 'f', 'dirname', '/data/wd', ''].join('\n'));
      // the RUN layers are the steps' upper dirs, less the empty files and dirs the runtime mounted on
      const diffIds = JSON.parse(await out(['image', 'inspect', '--format', '{{json .RootFS.Layers}}', tag])) as string[];
      const chain: string[] = [];
      for (const id of diffIds) chain.push(chain.length ? `sha256:${createHash('sha256').update(`${chain.at(-1)} ${id}`).digest('hex')}` : id);
      const lowers = chain.map((c) => path.join(d.dataRoot, 'layers', c.slice('sha256:'.length), 'diff'));
      assert.ok(diffIds.length > 4 && existsSync(lowers.at(-1)!), lowers.join(':'));
      for (const dir of lowers) {
        for (const f of ['etc/hosts', 'etc/resolv.conf', 'etc/hostname']) {
          const st = await fs.lstat(path.join(dir, f)).catch(() => undefined);
          assert.ok(!st || st.size > 0, `${dir}/${f}: a runtime mount point left in a layer`);
        }
      }
      // the layers are the tars their diff ids name: the image saves and loads as any other
      const saved = execFileSync(DOCKER, ['save', tag], { env: d.env, maxBuffer: 1 << 28 });
      const loaded = await docker(['load'], { input: saved });
      assert.equal(loaded.code, 0, loaded.stderr);
    } finally {
      await docker(['rmi', '-f', tag]);
      await fs.rm(ctx, { recursive: true, force: true });
    }
  });

  test('--target stops at a stage; ADD unpacks a local tar; USER and --chown', T, async () => {
    const tag = uniq('tgt');
    const ctx = await context({
      Dockerfile: ['FROM bb AS one', 'ADD files.tar /unpacked/', 'COPY --chown=1:2 owned.txt /owned.txt', 'USER 1000', 'FROM one AS two', 'RUN false'].join('\n'),
      'owned.txt': 'x\n',
    });
    const src = await fs.mkdtemp(path.join(d.base, 'tarsrc-'));
    try {
      await fs.writeFile(path.join(src, 'inner.txt'), 'from the tar\n');
      execFileSync('tar', ['-C', src, '-czf', path.join(ctx, 'files.tar'), 'inner.txt']);
      const b = await docker(['build', '--target', 'one', '-t', tag, ctx]);
      assert.equal(b.code, 0, b.stdout + b.stderr);
      assert.doesNotMatch(b.stdout, /RUN false/);
      assert.equal(await out(['run', '--rm', tag, 'cat', '/unpacked/inner.txt']), 'from the tar\n');
      assert.equal(await out(['run', '--rm', tag, 'stat', '-c', '%u:%g', '/owned.txt']), '1:2\n');
      assert.equal(await out(['run', '--rm', tag, 'id', '-u']), '1000\n');
      const missing = await docker(['build', '--target', 'nope', ctx]);
      assert.notEqual(missing.code, 0);
      assert.match(missing.stderr, /failed to reach build target nope in Dockerfile/);
    } finally {
      await docker(['rmi', '-f', tag]);
      await fs.rm(ctx, { recursive: true, force: true });
      await fs.rm(src, { recursive: true, force: true });
    }
  });

  test('a failing RUN ends the build with its exit code and Docker\'s message; bad Dockerfiles are refused', T, async () => {
    const ctx = await context({ Dockerfile: 'FROM bb\nRUN echo about to fail && exit 3\n' });
    let failed = '';
    try {
      const r = await docker(['build', ctx]);
      assert.equal(r.code, 3, r.stdout + r.stderr);
      assert.match(r.stdout, /about to fail/);
      assert.match(r.stderr, /The command '\/bin\/sh -c echo about to fail && exit 3' returned a non-zero code: 3/);
      // as dockerd's classic builder, the failed step's container stays for inspection
      failed = (await out(['ps', '-aq', '--filter', 'status=exited', '--latest'])).trim();
      // under the id the step announced, which is how clients find it (moby TestBuildWithRemoveAndForceRemove)
      assert.equal(failed, / ---> Running in ([0-9a-f]{12})\n/.exec(r.stdout)?.[1]);
      await fs.writeFile(path.join(ctx, 'Dockerfile'), 'FROM bb\nFOO bar\n');
      const bad = await docker(['build', ctx]);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /dockerfile parse error on line 2: unknown instruction: FOO/);
      await fs.writeFile(path.join(ctx, 'Dockerfile'), 'FROM bb\nCOPY nothere /x\n');
      const nofile = await docker(['build', ctx]);
      assert.equal(nofile.code, 1);
      assert.match(nofile.stderr, /nothere/);
      await fs.writeFile(path.join(ctx, 'Dockerfile'), '');
      const empty = await docker(['build', ctx]);
      assert.equal(empty.code, 1);
      assert.match(empty.stderr, /the Dockerfile \(Dockerfile\) cannot be empty/);
      await fs.writeFile(path.join(ctx, 'Dockerfile'), 'FROM bb\n');
      const platform = await docker(['build', '--platform', 'foobar', ctx]);
      assert.equal(platform.code, 1);
      assert.match(platform.stderr, /"foobar": unknown operating system or architecture: invalid argument/);
    } finally {
      if (failed) await docker(['rm', '-f', failed]);
      await fs.rm(ctx, { recursive: true, force: true });
    }
  });

  test('docker build - takes a Dockerfile, or a gzip context, on stdin', T, async () => {
    const tag = uniq('stdin');
    const ctx = await context({ Dockerfile: 'FROM bb\nCOPY f.txt /f.txt\n', 'f.txt': 'from a gzip context\n' });
    try {
      const plain = await docker(['build', '-t', `${tag}:1`, '-'], { input: 'FROM bb\nRUN echo built from stdin > /s.txt\n' });
      assert.equal(plain.code, 0, plain.stdout + plain.stderr);
      assert.equal(await out(['run', '--rm', `${tag}:1`, 'cat', '/s.txt']), 'built from stdin\n');
      const gz = execFileSync('tar', ['-C', ctx, '-cz', '.']);
      const zipped = await docker(['build', '-t', `${tag}:2`, '-'], { input: gz });
      assert.equal(zipped.code, 0, zipped.stdout + zipped.stderr);
      assert.equal(await out(['run', '--rm', `${tag}:2`, 'cat', '/f.txt']), 'from a gzip context\n');
    } finally {
      await docker(['rmi', '-f', `${tag}:1`, `${tag}:2`]);
      await fs.rm(ctx, { recursive: true, force: true });
    }
  });

  test('ADD <url> fetches the file (0600, not unpacked) from a server on 127.0.0.1; a missing one fails the build', T, async () => {
    const tag = uniq('addurl');
    const server = http.createServer((req, res) => {
      if (req.url === '/files/notes.txt') {
        res.writeHead(200, { 'Last-Modified': 'Wed, 21 Oct 2015 07:28:00 GMT' });
        res.end('fetched over http\n');
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as import('node:net').AddressInfo).port;
    const ctx = await context({ Dockerfile: `FROM bb\nADD http://127.0.0.1:${port}/files/notes.txt /srv/\n` });
    try {
      const b = await docker(['build', '-t', tag, ctx]);
      assert.equal(b.code, 0, b.stdout + b.stderr);
      assert.equal(await out(['run', '--rm', '--network', 'none', tag, 'sh', '-c', 'cat /srv/notes.txt; stat -c %a /srv/notes.txt; date -u -r /srv/notes.txt +%Y']), 'fetched over http\n600\n2015\n');
      await fs.writeFile(path.join(ctx, 'Dockerfile'), `FROM bb\nADD http://127.0.0.1:${port}/nope.txt /srv/\n`);
      const missing = await docker(['build', ctx]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /failed to GET http:\/\/127\.0\.0\.1:\d+\/nope\.txt with status 404/);
    } finally {
      server.close();
      await docker(['rmi', '-f', tag]);
      await fs.rm(ctx, { recursive: true, force: true });
    }
  });

  test('a daemon killed in the middle of a build leaves nothing the next start does not clear, and the build then succeeds', T, async () => {
    const tag = uniq('killed');
    const ctx = await context({ Dockerfile: 'FROM bb\nCOPY f.txt /f.txt\nRUN sleep 2 && echo slow > /slow\n', 'f.txt': 'x\n' });
    const tmp = path.join(d.dataRoot, 'builder', 'tmp');
    try {
      const building = docker(['build', '-t', tag, ctx]);
      const steps = await waitFor(async () => (await runningSteps()).length > 0 && runningSteps(), 'the RUN step runs');
      await d.kill9();
      assert.notEqual((await building).code, 0);
      const { readdirSync } = await import('node:fs');
      assert.ok(readdirSync(tmp).length > 0, 'the build context was unpacked under the data root');
      await d.restart();
      assert.ok(!existsSync(tmp) || readdirSync(tmp).length === 0, 'the next start clears what the killed build left');
      await assertStepsGone(steps);
      const again = await docker(['build', '-t', tag, ctx]);
      assert.equal(again.code, 0, again.stdout + again.stderr);
      assert.equal(await out(['run', '--rm', '--network', 'none', tag, 'cat', '/slow']), 'slow\n');
    } finally {
      // the killed build's RUN container stays, as with dockerd
      const left = (await docker(['ps', '-aq', '--filter', `ancestor=bb`])).stdout.split('\n').filter(Boolean);
      if (left.length) await docker(['rm', '-f', ...left]);
      await docker(['rmi', '-f', tag]);
      await fs.rm(ctx, { recursive: true, force: true });
    }
  });

  test('a build whose client goes away stops its RUN step: no runtime process, mount, netns or sandbox is left', T, async () => {
    const ctx = await context({ Dockerfile: 'FROM bb\nRUN echo started && sleep 120\n' });
    const client = spawn(DOCKER, ['build', ctx], { env: d.env, stdio: 'ignore' });
    const exited = new Promise((r) => client.once('exit', r));
    try {
      const steps = await waitFor(async () => (await runningSteps()).length > 0 && runningSteps(), 'the RUN step runs');
      const id = (steps[0] as string).slice('berth-build-'.length);
      // the step is on the default bridge: its sandbox names the netns it was given
      const sandbox = path.join(d.dataRoot, 'networks', 'sandboxes', `${id}.json`);
      const { netnsPath } = JSON.parse(await waitFor(() => fs.readFile(sandbox, 'utf8').catch(() => false as const), 'the step has a sandbox')) as { netnsPath: string };
      assert.ok(existsSync(netnsPath));
      client.kill('SIGKILL');
      await exited;
      await waitFor(async () => (await runningSteps()).length === 0 && !existsSync(sandbox) && !existsSync(netnsPath), 'the step is stopped and its network released');
      await assertStepsGone(steps);
      assert.equal((await out(['ps', '-aq'])).trim(), '', 'a cancelled step leaves no container');
    } finally {
      client.kill('SIGKILL');
      await fs.rm(ctx, { recursive: true, force: true });
    }
  });

  test('intermediate images: hidden from `images` but not `-a`, named in history, kept by `image prune` (the cache), deleted with the last image built on them', T, async () => {
    const tag = uniq('layers');
    const ctx = await context({ Dockerfile: 'FROM bb\nENV A=1\nRUN echo 1 > /one\nCMD ["true"]\n' });
    try {
      assert.equal((await docker(['build', '-q', '-t', tag, ctx])).code, 0);
      // history names every image of the chain: the tagged one, ENV's and RUN's, and bb
      const chain = (await out(['history', '-q', tag])).split('\n').filter(Boolean);
      assert.equal(chain.length, 4, chain.join(' '));
      assert.ok(!chain.includes('<missing>'));
      const intermediates = chain.slice(1, 3);
      const shown = await out(['images', '-q']);
      const all = await out(['images', '-aq']);
      for (const id of intermediates) {
        assert.ok(!shown.includes(id), `${id} is hidden from docker images`);
        assert.ok(all.includes(id), `${id} is listed by docker images -a`);
      }
      assert.match(await out(['image', 'inspect', '--format', '{{.Parent}}', tag]), new RegExp(`^sha256:${intermediates[0]}`));
      await out(['image', 'prune', '-f']);
      for (const id of intermediates) assert.equal((await docker(['image', 'inspect', id])).code, 0, 'prune keeps what tagged images were built on');
      const again = await docker(['build', '-t', tag, ctx]);
      assert.equal((again.stdout.match(/Using cache/g) ?? []).length, 3, again.stdout);
      const rm = await docker(['rmi', tag]);
      assert.equal((rm.stdout.match(/^Deleted: /gm) ?? []).length >= 3, true, rm.stdout);
      for (const id of intermediates) assert.equal((await docker(['image', 'inspect', id])).code, 1, `${id} went with its child`);
      assert.equal((await docker(['image', 'inspect', 'bb'])).code, 0, 'a tagged parent stays');
    } finally {
      await docker(['rmi', '-f', tag]);
      await fs.rm(ctx, { recursive: true, force: true });
    }
  });

  test('docker diff and docker commit: the container\'s changes, without the runtime\'s mount points', T, async () => {
    const name = uniq('web');
    const tag = uniq('committed');
    try {
      const r = await docker(['run', '--name', name, 'bb', 'sh', '-c', 'echo hi > /tmp/x && rm /bin/ls && mkdir /newdir && touch /empty']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(await out(['diff', name]), 'C /bin\nD /bin/ls\nA /empty\nA /newdir\nC /tmp\nA /tmp/x\n');
      assert.match(await out(['ps', '-a', '--size', '--filter', `name=${name}`, '--format', '{{.Size}}']), /^3B \(virtual 1\.\d+MB\)$/m, 'SizeRw counts what it wrote');
      const id = (await out(['commit', '-m', 'msg', '-a', 'me', '-c', 'ENV COMMITTED=1', name, `${tag}:1`])).trim();
      assert.match(id, /^sha256:[0-9a-f]{64}$/);
      assert.equal(await out(['run', '--rm', `${tag}:1`, 'sh', '-c', 'cat /tmp/x; echo $COMMITTED; test -d /newdir && test -f /empty && ! test -e /bin/ls && echo ok']), 'hi\n1\nok\n');
      assert.equal((await out(['image', 'inspect', '--format', '{{.Author}}|{{.Comment}}', `${tag}:1`])).trim(), 'me|msg');
      const bad = await docker(['commit', '-c', 'BOGUS x', name, `${tag}:2`]);
      assert.notEqual(bad.code, 0);
      assert.equal((await docker(['image', 'inspect', `${tag}:2`])).code, 1, 'a refused commit makes no image');
    } finally {
      await docker(['rm', '-f', name]);
      await docker(['rmi', '-f', `${tag}:1`]);
    }
  });
});

/**
 * The real docker CLI (28) pulling and pushing through berthd: our registry,
 * Debian's reference docker-registry, and login against a registry with
 * Basic auth. Every registry listens on 127.0.0.1 on a free port.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { startDaemon, cli, BERTH, DOCKER, type TestDaemon } from '../../kit/daemon';
import { makeBusyboxTar } from '../../kit/busybox';
import { hasDockerRegistry, startBerthRegistry, startDockerRegistry, DOCKER_REGISTRY_BIN, type LocalRegistry } from './local-registries';

let d: TestDaemon;
const docker = (args: string[], opts?: { input?: string | Buffer; timeoutMs?: number }) => cli(DOCKER, d, args, opts);
const closers: Array<() => Promise<void>> = [];

async function ok(args: string[], input?: string): Promise<string> {
  const r = await docker(args, input === undefined ? {} : { input });
  assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Removes every local name of the image so the next pull really downloads. */
async function forget(...refs: string[]): Promise<void> {
  await ok(['rmi', ...refs]);
  const left = await ok(['images', '-q']);
  assert.equal(left.trim(), '', 'no image left after rmi');
}

describe('docker pull / push / login through berthd', () => {
  let ours: LocalRegistry;
  let digest = '';

  before(async () => {
    d = await startDaemon('dist');
    closers.push(() => d.close());
    ours = await startBerthRegistry();
    closers.push(() => ours.close());
    const tar = await makeBusyboxTar(path.join(d.base, 'bb.tar'));
    await ok(['import', tar, 'bb:latest']);
  });
  after(async () => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
  });

  test('tag + push to our registry prints the repository, the layer and the digest line', async () => {
    const ref = `${ours.host}/e2e/bb:1`;
    await ok(['tag', 'bb:latest', ref]);
    const out = await ok(['push', ref]);
    assert.match(out, new RegExp(`The push refers to repository \\[${ours.host}/e2e/bb\\]`));
    assert.match(out, /[0-9a-f]{12}: Pushed/);
    const m = /^1: digest: (sha256:[0-9a-f]{64}) size: \d+$/m.exec(out);
    assert.ok(m, out);
    digest = m[1]!;
    // a second push finds the layer there
    assert.match(await ok(['push', ref]), /[0-9a-f]{12}: Layer already exists/);
  });

  test('push --all-tags pushes every local tag of the repository; a tag with -a is refused', async () => {
    const repo = `${ours.host}/e2e/multi`;
    await ok(['tag', 'bb:latest', `${repo}:a`]);
    await ok(['tag', 'bb:latest', `${repo}:b`]);
    try {
      const out = await ok(['push', '--all-tags', repo]);
      assert.match(out, /^a: digest: sha256:[0-9a-f]{64} size: \d+$/m);
      assert.match(out, /^b: digest: sha256:[0-9a-f]{64} size: \d+$/m);
      const listed = (await (await fetch(`http://${ours.host}/v2/e2e/multi/tags/list`)).json()) as { tags: string[] };
      assert.deepEqual(listed.tags.sort(), ['a', 'b']);
      const r = await cli(BERTH, d, ['push', '-a', `${repo}:a`]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /tag can't be used with --all-tags\/-a/);
    } finally {
      await ok(['rmi', `${repo}:a`, `${repo}:b`]);
    }
  });

  test('pull by tag after rmi downloads the image, and it runs', async () => {
    const ref = `${ours.host}/e2e/bb:1`;
    await forget('bb:latest', ref);
    const out = await ok(['pull', ref]);
    assert.match(out, /^1: Pulling from e2e\/bb$/m);
    assert.match(out, /[0-9a-f]{12}: Pull complete/);
    assert.match(out, new RegExp(`^Digest: ${digest}$`, 'm'));
    assert.match(out, new RegExp(`^Status: Downloaded newer image for ${ours.host}/e2e/bb:1$`, 'm'));
    assert.equal(await ok(['run', '--rm', ref, 'echo', 'pulled']), 'pulled\n');
    const again = await ok(['pull', ref]);
    assert.match(again, new RegExp(`Status: Image is up to date for ${ours.host}/e2e/bb:1`));
    assert.equal((await ok(['image', 'inspect', '--format', '{{json .RepoDigests}}', ref])).trim(), JSON.stringify([`${ours.host}/e2e/bb@${digest}`]));
  });

  test('pull by digest (repo@sha256:…) gives the same image, which runs', async () => {
    const byTag = `${ours.host}/e2e/bb:1`;
    const id = (await ok(['image', 'inspect', '--format', '{{.Id}}', byTag])).trim();
    await forget(byTag);
    const byDigest = `${ours.host}/e2e/bb@${digest}`;
    const out = await ok(['pull', byDigest]);
    assert.match(out, new RegExp(`Status: Downloaded newer image for ${byDigest.replace(/[.]/g, '\\.')}`));
    assert.equal((await ok(['image', 'inspect', '--format', '{{.Id}}', byDigest])).trim(), id);
    assert.equal(await ok(['run', '--rm', byDigest, 'echo', 'by-digest']), 'by-digest\n');
    await ok(['tag', byDigest, 'bb:latest']);
  });

  test("pull of an unknown tag fails with Docker's message and a non-zero exit", async () => {
    const r = await docker(['pull', `${ours.host}/e2e/bb:nosuchtag`]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`Error response from daemon: manifest for ${ours.host}/e2e/bb:nosuchtag not found: manifest unknown`));
  });

  test('push to and pull from Debian docker-registry', { skip: hasDockerRegistry() ? false : `${DOCKER_REGISTRY_BIN} is not installed` }, async () => {
    const reg = await startDockerRegistry();
    closers.push(() => reg.close());
    const ref = `${reg.host}/ref/bb:v1`;
    await ok(['tag', 'bb:latest', ref]);
    const pushed = await ok(['push', ref]);
    const m = /^v1: digest: (sha256:[0-9a-f]{64}) size: \d+$/m.exec(pushed);
    assert.ok(m, pushed);
    await ok(['rmi', ref]);
    const out = await ok(['pull', ref]);
    // the layer is still there under bb:latest
    assert.match(out, /[0-9a-f]{12}: Already exists/);
    assert.match(out, new RegExp(`Status: Downloaded newer image for ${ref}`));
    await forget('bb:latest', ref, `${ours.host}/e2e/bb@${digest}`);
    const full = await ok(['pull', `${reg.host}/ref/bb@${m[1]}`]);
    assert.match(full, /[0-9a-f]{12}: Pull complete/);
    assert.equal(await ok(['run', '--rm', `${reg.host}/ref/bb@${m[1]}`, 'echo', 'from-distribution']), 'from-distribution\n');
    await ok(['tag', `${reg.host}/ref/bb@${m[1]}`, 'bb:latest']);
  });

  test('login against a registry with Basic auth: a wrong password fails, the right one lets push through', async () => {
    const reg = await startBerthRegistry({ user: { name: 'alice', password: 's3cret' } });
    closers.push(() => reg.close());
    const ref = `${reg.host}/private/bb:1`;
    await ok(['tag', 'bb:latest', ref]);

    const anon = await docker(['push', ref]);
    assert.notEqual(anon.code, 0, 'push without credentials must fail');

    const bad = await docker(['login', '-u', 'alice', '--password-stdin', reg.host], { input: 'wrong\n' });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, new RegExp(`Error response from daemon: login attempt to http://${reg.host}/v2/ failed with status: 401 Unauthorized`));

    const good = await docker(['login', '-u', 'alice', '--password-stdin', reg.host], { input: 's3cret\n' });
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /Login Succeeded/);

    assert.match(await ok(['push', ref]), /^1: digest: sha256:[0-9a-f]{64}/m);
    await ok(['rmi', ref]);
    assert.match(await ok(['pull', ref]), new RegExp(`Status: Downloaded newer image for ${ref}`));

    await ok(['logout', reg.host]);
    await ok(['rmi', ref]);
    const denied = await docker(['pull', ref]);
    assert.notEqual(denied.code, 0, 'pull after logout must fail');
  });
});

describe('berth login / push / pull / logout against a registry with Basic auth', () => {
  let reg: LocalRegistry;
  const berth = (args: string[], input?: string) => cli(BERTH, d, args, input === undefined ? {} : { input });

  before(async () => {
    d = await startDaemon('bdist');
    closers.push(() => d.close());
    reg = await startBerthRegistry({ user: { name: 'bob', password: 'pw' } });
    closers.push(() => reg.close());
    const tar = await makeBusyboxTar(path.join(d.base, 'bb.tar'));
    assert.equal((await berth(['import', tar, 'bb:latest'])).code, 0);
  });
  after(async () => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
  });

  test('credentials written by berth login are sent with push and pull; logout removes them', async () => {
    const ref = `${reg.host}/b/bb:2`;
    assert.equal((await berth(['tag', 'bb:latest', ref])).code, 0);
    const bad = await berth(['login', '-u', 'bob', '--password-stdin', reg.host], 'nope\n');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /login attempt to .* failed with status: 401 Unauthorized/);
    const good = await berth(['login', '-u', 'bob', '--password-stdin', reg.host], 'pw\n');
    assert.equal(good.code, 0, good.stderr);
    assert.equal(good.stdout, 'Login Succeeded\n');
    const pushed = await berth(['push', ref]);
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.match(pushed.stdout, /^2: digest: sha256:[0-9a-f]{64} size: \d+$/m);
    assert.equal((await berth(['rmi', ref, 'bb:latest'])).code, 0);
    const pulled = await berth(['pull', ref]);
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.match(pulled.stdout, new RegExp(`Status: Downloaded newer image for ${ref}`));
    const out = await berth(['logout', reg.host]);
    assert.equal(out.stdout, `Removing login credentials for ${reg.host}\n`);
    assert.equal((await berth(['rmi', ref])).code, 0);
    assert.notEqual((await berth(['pull', ref])).code, 0, 'pull after logout must fail');
  });
});

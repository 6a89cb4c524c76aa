/**
 * The real docker CLI, through berthd (the engine's own registry client), against
 * Berth registries that speak the token flow and the pull-through cache: login,
 * push and pull with bearer tokens; pull of a reference-registry image through a
 * Berth proxy. Registries listen on 127.0.0.1 on free ports.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startRegistry, type RunningRegistry } from '../../../src/registry/server';
import { makeBusyboxTar } from '../../kit/busybox';
import { cli, DOCKER, startDaemon, type TestDaemon } from '../../kit/daemon';
import { hasDockerRegistry, startDockerRegistry, DOCKER_REGISTRY_BIN } from './local-registries';

let d: TestDaemon;
const closers: Array<() => Promise<void>> = [];
const docker = (args: string[], opts?: { input?: string }) => cli(DOCKER, d, args, opts);

async function ok(args: string[], input?: string): Promise<string> {
  const r = await docker(args, input === undefined ? {} : { input });
  assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A Berth registry that is its own token server, with user alice/s3cret. */
async function startTokenRegistry(): Promise<RunningRegistry> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-tokreg-'));
  closers.push(() => fs.rm(dir, { recursive: true, force: true }));
  const key = path.join(dir, 'key.pem');
  await fs.writeFile(key, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const htpasswd = path.join(dir, 'htpasswd');
  await fs.writeFile(htpasswd, execFileSync('htpasswd', ['-nbB', 'alice', 's3cret']));
  const r = await startRegistry({ addr: '127.0.0.1:0', data: path.join(dir, 'data'), htpasswd, tokenAuth: { issueKey: key } });
  closers.push(() => r.close());
  return r;
}

describe('docker login / push / pull through berthd against registries with bearer tokens and a pull-through cache', () => {
  before(async () => {
    d = await startDaemon('tokreg');
    closers.push(() => d.close());
    const tar = await makeBusyboxTar(path.join(d.base, 'bb.tar'));
    await ok(['import', tar, 'bb:latest']);
  });
  after(async () => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
  });

  test('login against the token server, then push, pull by tag and run; logout takes the access away', async () => {
    const reg = await startTokenRegistry();
    const ref = `${reg.host}/tok/bb:1`;
    await ok(['tag', 'bb:latest', ref]);
    const anon = await docker(['push', ref]);
    assert.notEqual(anon.code, 0, 'an anonymous token grants no push');

    const bad = await docker(['login', '-u', 'alice', '--password-stdin', reg.host], { input: 'wrong\n' });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /Error response from daemon: .*(unauthorized|incorrect username or password)/i);
    const good = await docker(['login', '-u', 'alice', '--password-stdin', reg.host], { input: 's3cret\n' });
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /Login Succeeded/);

    const pushed = await ok(['push', ref]);
    const m = /^1: digest: (sha256:[0-9a-f]{64}) size: \d+$/m.exec(pushed);
    assert.ok(m, pushed);
    // the registry holds it, and only a token opens it
    assert.equal((await fetch(`${reg.url}/v2/tok/bb/manifests/1`)).status, 401);

    await ok(['rmi', ref]);
    const pulled = await ok(['pull', ref]);
    assert.match(pulled, new RegExp(`^Digest: ${m[1]}$`, 'm'));
    assert.match(pulled, new RegExp(`Status: Downloaded newer image for ${ref}`));
    assert.equal(await ok(['run', '--rm', ref, 'echo', 'via-token']), 'via-token\n');

    await ok(['logout', reg.host]);
    await ok(['rmi', ref]);
    const denied = await docker(['pull', ref]);
    assert.notEqual(denied.code, 0, 'pull after logout must fail');
  });

  test('pull of an image in the reference registry through a Berth pull-through cache, then from the cache alone', { skip: hasDockerRegistry() ? false : `${DOCKER_REGISTRY_BIN} is not installed` }, async () => {
    const upstream = await startDockerRegistry();
    let upstreamUp = true;
    closers.push(async () => {
      if (upstreamUp) await upstream.close();
    });
    const origin = `${upstream.host}/ref/bb:v1`;
    await ok(['tag', 'bb:latest', origin]);
    const m = /^v1: digest: (sha256:[0-9a-f]{64}) size: \d+$/m.exec(await ok(['push', origin]));
    assert.ok(m);
    await ok(['rmi', origin]);

    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-proxy-'));
    closers.push(() => fs.rm(dir, { recursive: true, force: true }));
    const proxy = await startRegistry({ addr: '127.0.0.1:0', data: path.join(dir, 'data'), proxy: { url: `http://${upstream.host}` } });
    closers.push(() => proxy.close());
    const viaProxy = `${proxy.host}/ref/bb:v1`;
    const out = await ok(['pull', viaProxy]);
    assert.match(out, new RegExp(`^Digest: ${m[1]}$`, 'm'));
    assert.equal(await ok(['run', '--rm', viaProxy, 'echo', 'via-proxy']), 'via-proxy\n');

    const pushBack = await docker(['push', viaProxy]);
    assert.notEqual(pushBack.code, 0, 'a pull-through cache refuses pushes');
    assert.match(pushBack.stderr, /unsupported/i);

    await upstream.close();
    upstreamUp = false;
    await ok(['rmi', viaProxy]);
    // `bb:latest` still holds the layer, so this pull needs the manifest and config from the cache
    const again = await ok(['pull', viaProxy]);
    assert.match(again, new RegExp(`^Digest: ${m[1]}$`, 'm'));
  });
});

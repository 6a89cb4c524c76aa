/**
 * `docker cp` (the real docker CLI 28) and `berth cp` against berthd: files and
 * directories both ways, running and stopped containers, Docker's not-found
 * message, bind mounts, and archives that try to leave the destination.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, readFileSync, statSync } from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import * as tar from 'tar-stream';
import { startDaemon, cli, BERTH, DOCKER, type TestDaemon } from '../../kit/daemon';
import { makeBusyboxTar } from '../../kit/busybox';

let d: TestDaemon;
let work = '';
const docker = (args: string[], opts?: { input?: string | Buffer }) => cli(DOCKER, d, args, opts);
const berth = (args: string[]) => cli(BERTH, d, args);

function mountsMentioning(s: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(s));
}

async function run(args: string[]): Promise<string> {
  const r = await docker(args);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

/** A tar built entry by entry (names exactly as given). */
function tarOf(entries: Array<tar.Headers & { body?: string }>): Promise<Buffer> {
  const pack = tar.pack();
  for (const { body, ...h } of entries) pack.entry(h, body ?? '');
  pack.finalize();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    pack.on('data', (c: Buffer) => chunks.push(c));
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    pack.on('error', reject);
  });
}

function putArchive(container: string, dir: string, body: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { socketPath: d.socket, method: 'PUT', path: `/v1.41/containers/${container}/archive?path=${encodeURIComponent(dir)}&noOverwriteDirNonDir=1`, headers: { 'Content-Type': 'application/x-tar' } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A local file and directory with modes worth checking. */
async function makeSources(): Promise<{ file: string; dir: string }> {
  const file = path.join(work, 'f.txt');
  await fs.writeFile(file, 'file content\n');
  await fs.chmod(file, 0o751);
  const dir = path.join(work, 'srcdir');
  await fs.mkdir(path.join(dir, 'sub'), { recursive: true });
  await fs.writeFile(path.join(dir, 'sub', 'inner'), 'inner content\n');
  await fs.chmod(path.join(dir, 'sub', 'inner'), 0o640);
  await fs.chmod(dir, 0o750);
  return { file, dir };
}

async function roundTrip(container: string, tag: string): Promise<void> {
  const { file, dir } = await makeSources();
  assert.equal((await docker(['cp', file, `${container}:/tmp/`])).code, 0);
  assert.equal((await docker(['cp', dir, `${container}:/tmp/d-${tag}`])).code, 0);
  const out = path.join(work, `out-${tag}`);
  await fs.mkdir(out);
  const back1 = await docker(['cp', `${container}:/tmp/f.txt`, out]);
  assert.equal(back1.code, 0, back1.stderr);
  const back2 = await docker(['cp', `${container}:/tmp/d-${tag}`, path.join(out, 'dir')]);
  assert.equal(back2.code, 0, back2.stderr);
  assert.equal(await fs.readFile(path.join(out, 'f.txt'), 'utf8'), 'file content\n');
  assert.equal(statSync(path.join(out, 'f.txt')).mode & 0o7777, 0o751);
  assert.equal(await fs.readFile(path.join(out, 'dir', 'sub', 'inner'), 'utf8'), 'inner content\n');
  assert.equal(statSync(path.join(out, 'dir', 'sub', 'inner')).mode & 0o7777, 0o640);
  assert.equal(statSync(path.join(out, 'dir')).mode & 0o7777, 0o750);
}

describe('docker cp against berthd', () => {
  before(async () => {
    d = await startDaemon('cp');
    work = path.join(d.base, 'work');
    await fs.mkdir(work);
    const r = await docker(['import', await makeBusyboxTar(path.join(d.base, 'bb.tar')), 'bb:latest']);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await d?.close();
  });

  test('a file and a directory into a running container and back out, content and modes kept', async () => {
    const id = await run(['run', '-d', 'bb', 'sleep', '300']);
    await roundTrip(id, 'run');
    // the container sees what was copied in
    assert.equal(await run(['exec', id, 'cat', '/tmp/d-run/sub/inner']), 'inner content');
    assert.equal(await run(['exec', id, 'stat', '-c', '%a', '/tmp/f.txt']), '751');
  });

  test('a stopped container: copy in and out, then nothing of it stays mounted', async () => {
    const id = await run(['create', 'bb', 'cat', '/tmp/f.txt']);
    await roundTrip(id, 'created');
    assert.deepEqual(mountsMentioning(id), []);
    // the file copied while stopped is there when it starts
    const r = await docker(['start', '-a', id]);
    assert.equal(r.stdout, 'file content\n', r.stderr);
    await docker(['wait', id]);
    await roundTrip(id, 'exited');
    assert.deepEqual(mountsMentioning(id), []);
  });

  test('a missing path fails with Docker\'s message and exit 1', async () => {
    const id = await run(['run', '-d', '--name', 'cpmiss', 'bb', 'sleep', '300']);
    const r = await docker(['cp', 'cpmiss:/nope', work]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), 'Error response from daemon: Could not find the file /nope in container cpmiss');
    await run(['rm', '-f', id]);
  });

  test('paths under a bind mount and /etc/hosts are the host sources', async () => {
    const bind = path.join(work, 'bind');
    await fs.mkdir(bind);
    const id = await run(['run', '-d', '-v', `${bind}:/mnt/b`, 'bb', 'sleep', '300']);
    const { file } = await makeSources();
    assert.equal((await docker(['cp', file, `${id}:/mnt/b/`])).code, 0);
    assert.equal(await fs.readFile(path.join(bind, 'f.txt'), 'utf8'), 'file content\n');
    const hosts = await docker(['cp', `${id}:/etc/hosts`, '-']);
    assert.match(hosts.stdout, /127\.0\.0\.1\s+localhost/);
  });

  test('archives that climb out are refused and write nothing', async () => {
    const id = await run(['run', '-d', 'bb', 'sleep', '300']);
    const outside = path.join(work, 'outside');
    await fs.mkdir(outside);
    const rel = path.relative('/tmp', outside);
    const cases = [
      await tarOf([{ name: 'ok-dotdot', body: 'x' }, { name: `../../../../../../..${outside}/escaped`, body: 'x' }]),
      await tarOf([{ name: 'ok-abs', body: 'x' }, { name: `${outside}/escaped`, body: 'x' }]),
      await tarOf([{ name: 'ok-link', body: 'x' }, { name: 'esc', type: 'symlink', linkname: outside }, { name: 'esc/escaped', body: 'x' }]),
      await tarOf([{ name: 'ok-rel', body: 'x' }, { name: 'esc2', type: 'symlink', linkname: `../../../../../../../${rel}` }, { name: 'esc2/escaped', body: 'x' }]),
      await tarOf([{ name: 'ok-hard', body: 'x' }, { name: 'hl', type: 'link', linkname: '../../../etc/passwd' }]),
    ];
    for (const body of cases) {
      const r = await putArchive(id, '/tmp', body);
      assert.equal(r.status, 400, r.body);
      assert.match(JSON.parse(r.body).message as string, /^Error processing tar file: refusing /);
    }
    assert.deepEqual(await fs.readdir(outside), []);
    const left = await run(['exec', id, 'ls', '-a', '/tmp']);
    assert.deepEqual(left.split('\n').filter((n) => n !== '.' && n !== '..'), [], 'nothing of a refused archive lands in the container either');
  });

  test('berth cp copies both ways with the same rules', async () => {
    const id = await run(['run', '-d', 'bb', 'sleep', '300']);
    const { dir } = await makeSources();
    const up = await berth(['cp', dir, `${id}:/tmp/bd`]);
    assert.equal(up.code, 0, up.stderr);
    const out = path.join(work, 'berth-out');
    const down = await berth(['cp', `${id}:/tmp/bd/.`, out]);
    assert.equal(down.code, 0, down.stderr);
    assert.equal(await fs.readFile(path.join(out, 'sub', 'inner'), 'utf8'), 'inner content\n');
    assert.equal(statSync(path.join(out, 'sub', 'inner')).mode & 0o7777, 0o640);
    const miss = await berth(['cp', `${id}:/nope`, out]);
    assert.equal(miss.code, 1);
    assert.match(miss.stderr, /Error response from daemon: Could not find the file \/nope in container /);
    const dirOnFile = await berth(['cp', `${id}:/tmp/bd`, path.join(out, 'sub', 'inner')]);
    assert.equal(dirOnFile.code, 1);
    assert.equal(dirOnFile.stderr.trim(), 'cannot copy directory');
  });
});

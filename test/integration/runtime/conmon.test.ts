/** ContainerRuntime (conmon + runc) against real containers. Needs root, runc, conmon, build/native/berth-attach. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { RuntimeStartError, NotFoundError } from '../../../src/base/errors';
import { readMemoryLimit, readCgroupPids } from '../../../src/platform/cgroups';
import { openRuntimeFixture, baseInput, readAll, demux, waitFor, type RuntimeFixture } from './runtime-fixture';
import type { CreateOptions } from '../../../src/runtime/types';

let fx: RuntimeFixture;

before(async () => {
  fx = await openRuntimeFixture();
});
after(async () => {
  await fx?.dispose();
});

async function createOpts(id: string, bundleDir: string, over: Partial<CreateOptions> = {}): Promise<CreateOptions> {
  return { id, bundleDir, log: { driver: 'k8s-file', path: path.join(bundleDir, 'ctr.log') }, terminal: false, stdin: false, stdinOnce: false, ...over };
}

const exitOf = (id: string) => waitFor(() => fx.runtime.exitCode(id));

describe('conmon runtime', () => {
  it('attach before start yields the output of echo hi as a stdout frame', async () => {
    const id = fx.newId();
    const b = await fx.bundle(id, ['echo', 'hi']);
    await fx.runtime.create(await createOpts(id, b));
    const s = await fx.runtime.attach(id, { stdin: false });
    const out = readAll(s);
    await fx.runtime.start(id);
    const raw = await out;
    assert.deepEqual(raw.subarray(0, 8), Buffer.from([1, 0, 0, 0, 0, 0, 0, 3]));
    assert.equal(demux(raw).stdout, 'hi\n');
    assert.equal(await exitOf(id), 0);
    assert.match(await fs.readFile(path.join(b, 'ctr.log'), 'utf8'), /stdout F hi/);
  });

  it('stderr arrives as stream 2', async () => {
    const id = fx.newId();
    const b = await fx.bundle(id, ['sh', '-c', 'echo oops >&2']);
    await fx.runtime.create(await createOpts(id, b));
    const out = readAll(await fx.runtime.attach(id, { stdin: false }));
    await fx.runtime.start(id);
    assert.deepEqual(demux(await out), { stdout: '', stderr: 'oops\n' });
  });

  it('records exit code 3 of sh -c "exit 3"', async () => {
    const id = fx.newId();
    const b = await fx.bundle(id, ['sh', '-c', 'exit 3']);
    await fx.runtime.create(await createOpts(id, b));
    await fx.runtime.start(id);
    assert.equal(await exitOf(id), 3);
  });

  it('pipes attach stdin to cat and closes it on end (stdinOnce)', async () => {
    const id = fx.newId();
    const b = await fx.bundle(id, ['cat']);
    await fx.runtime.create(await createOpts(id, b, { stdin: true, stdinOnce: true }));
    const s = await fx.runtime.attach(id, { stdin: true });
    const out = readAll(s);
    await fx.runtime.start(id);
    s.write('hello through stdin\n');
    s.end();
    assert.equal(demux(await out).stdout, 'hello through stdin\n');
    assert.equal(await exitOf(id), 0);
  });

  it('tty mode gives raw output from /dev/pts/0 and resize changes stty size', async () => {
    const id = fx.newId();
    const b = await fx.bundle(id, ['sh', '-c', 'tty; read x; stty size'], { terminal: true, consoleSize: { height: 30, width: 100 } });
    await fx.runtime.create(await createOpts(id, b, { terminal: true, stdin: true, stdinOnce: true }));
    const s = await fx.runtime.attach(id, { stdin: true });
    let text = '';
    const seen = (re: RegExp) => waitFor(async () => (re.test(text) ? true : undefined));
    s.on('data', (d: Buffer) => (text += d.toString()));
    const ended = new Promise((r) => s.once('end', r));
    await fx.runtime.start(id);
    await seen(/\/dev\/pts\/0/);
    await fx.runtime.resize(id, 42, 123);
    s.write('go\n');
    await seen(/42 123/);
    s.end();
    await ended;
    assert.ok(!text.includes('\x01\x00\x00\x00'), 'no stdcopy framing in tty mode');
    assert.equal(await exitOf(id), 0);
  });

  it('exec runs a command with output and exit code; missing commands give 127', async () => {
    const id = fx.newId();
    const b = await fx.bundle(id, ['sleep', '30']);
    await fx.runtime.create(await createOpts(id, b));
    await fx.runtime.start(id);
    const base = { containerId: id, env: ['PATH=/bin'], cwd: '/', user: { uid: 0, gid: 0, additionalGids: [] }, terminal: false, stdin: false, privileged: false, capabilities: ['CAP_KILL'] };
    const ex = await fx.runtime.exec({ ...base, execId: 'e1', args: ['sh', '-c', 'echo out; echo err >&2; exit 5'] });
    assert.ok(ex.pid > 0);
    assert.deepEqual(demux(await readAll(ex.stream)), { stdout: 'out\n', stderr: 'err\n' });
    assert.equal(await ex.exited, 5);

    const st = await fx.runtime.exec({ ...base, execId: 'e2', args: ['cat'], stdin: true });
    const o = readAll(st.stream);
    st.stream.end('via exec stdin');
    assert.equal(demux(await o).stdout, 'via exec stdin');
    assert.equal(await st.exited, 0);

    const bad = await fx.runtime.exec({ ...base, execId: 'e3', args: ['no-such-binary'] });
    assert.equal(await bad.exited, 127);
    assert.match(demux(await readAll(bad.stream)).stdout, /no-such-binary/);
    await fx.runtime.kill(id, 'KILL');
    assert.equal(await exitOf(id), 137);
  });

  it('exec with a tty reports its pts and resizes', async () => {
    const id = fx.newId();
    const b = await fx.bundle(id, ['sleep', '30']);
    await fx.runtime.create(await createOpts(id, b));
    await fx.runtime.start(id);
    const ex = await fx.runtime.exec({
      containerId: id, execId: 't1', args: ['sh', '-c', 'tty; read x; for i in $(seq 50); do s=$(stty size); [ "$s" = "33 77" ] && break; sleep 0.1; done; echo "size $s"'], env: ['PATH=/bin'], cwd: '/',
      user: { uid: 0, gid: 0, additionalGids: [] }, terminal: true, stdin: true, privileged: false, capabilities: [], consoleSize: { height: 10, width: 20 },
    });
    let text = '';
    ex.stream.on('data', (d: Buffer) => (text += d.toString()));
    await waitFor(async () => (/\/dev\/pts\/\d+/.test(text) ? true : undefined));
    await ex.resize(33, 77);
    ex.stream.write('x\n');
    // conmon reads the ctl fifo and the attach socket in its own order, so the
    // shell polls until the resize lands instead of racing it.
    assert.equal(await ex.exited, 0);
    await waitFor(async () => (/size \d+ \d+/.test(text) ? true : undefined)).catch(() => assert.fail(`no size in ${JSON.stringify(text)}`));
    assert.match(text, /size 33 77/);
    await fx.runtime.kill(id, 'KILL');
  });

  it('kill stops a running container with 128+signal; state and pids reflect it', async () => {
    const id = fx.newId();
    const b = await fx.bundle(id, ['sleep', '30']);
    const { pid } = await fx.runtime.create(await createOpts(id, b));
    assert.equal((await fx.runtime.state(id))?.status, 'created');
    await fx.runtime.start(id);
    assert.deepEqual(await fx.runtime.state(id), { status: 'running', pid });
    assert.deepEqual(await fx.runtime.pids(id), [pid]);
    await fx.runtime.pause(id);
    assert.equal((await fx.runtime.state(id))?.status, 'paused');
    await fx.runtime.resume(id);
    await fx.runtime.kill(id, 'SIGKILL'); // pid 1 ignores SIGTERM without a handler
    assert.equal(await exitOf(id), 137);
    assert.equal((await fx.runtime.state(id))?.status, 'stopped');
    await fx.runtime.delete(id);
    assert.equal(await fx.runtime.state(id), undefined);
    await fx.runtime.delete(id); // idempotent
    await assert.rejects(fx.runtime.kill(id, 'KILL'), NotFoundError);
  });

  it('a missing command fails create with a not-found RuntimeStartError', async () => {
    const id = fx.newId();
    const b = await fx.bundle(id, ['does-not-exist']);
    await assert.rejects(fx.runtime.create(await createOpts(id, b)), (e: unknown) => {
      assert.ok(e instanceof RuntimeStartError);
      assert.equal(e.reason, 'not-found');
      assert.match(e.message, /does-not-exist/);
      return true;
    });
  });

  it('a non-executable command fails with cannot-invoke', async () => {
    const id = fx.newId();
    const b = await fx.bundle(id, ['/etc/passwd']);
    await assert.rejects(fx.runtime.create(await createOpts(id, b)), (e: unknown) => e instanceof RuntimeStartError && e.reason === 'cannot-invoke');
  });

  it('the command runs as pid 1 of its namespace', async () => {
    const id = fx.newId();
    const b = await fx.bundle(id, ['sh', '-c', 'echo $$']);
    await fx.runtime.create(await createOpts(id, b));
    const out = readAll(await fx.runtime.attach(id, { stdin: false }));
    await fx.runtime.start(id);
    assert.equal(demux(await out).stdout.trim(), '1');
  });

  it('the memory limit is visible in the container cgroup', async () => {
    const id = fx.newId();
    const input = baseInput(id, fx.rootfs, ['sleep', '30']);
    const b = await fx.bundle(id, ['sleep', '30'], { resources: { ...input.resources, memory: 64 * 1024 * 1024, pidsLimit: 50 } });
    const { pid } = await fx.runtime.create(await createOpts(id, b));
    assert.equal(await readMemoryLimit(`/berth-test/${id}`), 64 * 1024 * 1024);
    assert.deepEqual(await readCgroupPids(`/berth-test/${id}`), [pid]);
    await fx.runtime.delete(id, true);
  });

  it('conmon is detached: not our child, in its own session, and keeps running', async () => {
    const id = fx.newId();
    const b = await fx.bundle(id, ['sleep', '30']);
    const { conmonPid } = await fx.runtime.create(await createOpts(id, b));
    await fx.runtime.start(id);
    const stat = (await fs.readFile(`/proc/${conmonPid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
    const ppid = Number(stat[1]);
    const sid = Number(stat[3]);
    assert.notEqual(ppid, process.pid);
    assert.equal(sid, conmonPid, 'conmon leads its own session');
    await new Promise((r) => setTimeout(r, 200));
    process.kill(conmonPid, 0); // still alive
    assert.equal((await fx.runtime.state(id))?.status, 'running');
    await fx.runtime.kill(id, 'KILL');
    assert.equal(await exitOf(id), 137);
  });

  it('cleanup removes the per-container files', async () => {
    const id = fx.newId();
    const b = await fx.bundle(id, ['true']);
    await fx.runtime.create(await createOpts(id, b));
    await fx.runtime.start(id);
    await exitOf(id);
    await fx.runtime.delete(id);
    await fx.runtime.cleanup(id);
    await assert.rejects(fs.access(fx.runtime.containerDir(id)));
    await assert.rejects(fs.access(path.join(b, 'attach')));
    await assert.rejects(fx.runtime.attach(id, { stdin: false }), NotFoundError);
  });
});

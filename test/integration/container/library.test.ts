/**
 * Door 3: the engine in-process, no daemon. Real runc, conmon and overlayfs.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createEngine, defaultContainerSpec, type Engine, NotFoundError, ConflictError } from '../../../src/index';
import type { ContainerSpec } from '../../../src/container/spec';
import { makeBusyboxTar } from '../../kit/busybox';
import { cleanupRoots } from '../../kit/cleanup';
import { freeSubnet } from '../../kit/subnets';

let base: string;
let engine: Engine;
const roots = () => ({ dataRoot: path.join(base, 'data'), execRoot: path.join(base, 'run') });

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Docker stdcopy frames → { stdout, stderr } */
function demux(buf: Buffer): { stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  for (let i = 0; i + 8 <= buf.length; ) {
    const len = buf.readUInt32BE(i + 4);
    const payload = buf.subarray(i + 8, i + 8 + len).toString();
    if (buf[i] === 2) stderr += payload;
    else stdout += payload;
    i += 8 + len;
  }
  return { stdout, stderr };
}

describe('library: createEngine runs containers in-process', () => {
  before(async () => {
    base = await fs.mkdtemp(path.join(os.tmpdir(), 'bt-lib-'));
    // its own default bridge, so it never meets another daemon's
    const tag = path.basename(base).slice(-5).replace(/[^a-zA-Z0-9]/g, 'x');
    engine = await createEngine({ ...roots(), defaultBridge: { subnet: freeSubnet(), interfaceName: `bl${tag}` } });
    const tar = await makeBusyboxTar(path.join(base, 'bb.tar'));
    await engine.images.importRootfs(createReadStream(tar), { repo: 'bb', tag: 'latest' });
  });
  after(async () => {
    await engine?.close();
    const r = roots();
    await cleanupRoots(r.dataRoot, r.execRoot);
    await fs.rm(base, { recursive: true, force: true });
  });

  test('engine.builds.build: a context tar to a tagged image, its RUN output streamed to `out`', async () => {
    const { pack } = await import('tar-stream');
    const ctx = pack();
    ctx.entry({ name: 'Dockerfile' }, 'FROM bb\nCOPY msg.txt /msg.txt\nRUN cat /msg.txt\nCMD ["cat", "/msg.txt"]\n');
    ctx.entry({ name: 'msg.txt' }, 'built in-process\n');
    ctx.finalize();
    let output = '';
    const { id } = await engine.builds.build(ctx, { dockerfile: 'Dockerfile', tags: ['libbuilt:1'], buildArgs: {}, labels: {}, noCache: false, remove: true, forceRemove: false, networkMode: 'none', pull: false, out: (t) => (output += t) });
    assert.match(output, /Step 3\/4 : RUN cat \/msg\.txt\n ---> Running in [0-9a-f]{12}\nbuilt in-process\n/);
    assert.equal((await engine.images.resolve('libbuilt:1')).id, id);
    await engine.images.remove('libbuilt:1', {});
  });

  test('create → attach → start → wait gives output and exit code', async () => {
    const { id } = await engine.containers.create({ ...defaultContainerSpec('bb'), cmd: ['sh', '-c', 'echo out; echo err >&2; exit 7'] });
    const stream = await engine.containers.attach(id, { stdin: false, stdout: true, stderr: true, stream: true, logs: false });
    const output = collect(stream);
    const waited = engine.containers.wait(id, { condition: 'next-exit' });
    await engine.containers.start(id);
    assert.deepEqual(await waited, { statusCode: 7 });
    assert.deepEqual(demux(await output), { stdout: 'out\n', stderr: 'err\n' });
    const rec = await engine.containers.inspect(id);
    assert.equal(rec.state.status, 'exited');
    assert.equal(rec.state.exitCode, 7);
    await engine.containers.remove(id);
    await assert.rejects(engine.containers.inspect(id), NotFoundError);
  });

  test('logs replay what a finished container printed', async () => {
    const { id } = await engine.containers.create({ ...defaultContainerSpec('bb'), cmd: ['sh', '-c', 'echo one; echo two'] });
    await engine.containers.start(id);
    await engine.containers.wait(id, { condition: 'not-running' });
    const lines: string[] = [];
    for await (const e of engine.containers.logs(id, { follow: false, stdout: true, stderr: true, timestamps: false })) lines.push(e.data.toString());
    assert.deepEqual(lines, ['one\n', 'two\n']);
    await engine.containers.remove(id);
  });

  test('a running container refuses rm without force; stop then rm works', async () => {
    const { id } = await engine.containers.create({ ...defaultContainerSpec('bb'), cmd: ['sleep', '60'] });
    await engine.containers.start(id);
    await assert.rejects(engine.containers.remove(id), ConflictError);
    await engine.containers.stop(id, { timeout: 1 });
    assert.equal((await engine.containers.inspect(id)).state.status, 'exited');
    await engine.containers.remove(id);
  });

  test('a stop issued while a start is under way waits for it and stops the container', async () => {
    const { id } = await engine.containers.create({ ...defaultContainerSpec('bb'), cmd: ['sleep', '60'] });
    try {
      // start takes the container's lock before stop is called: stop must wait, then find it running
      const started = engine.containers.start(id);
      const stopped = engine.containers.stop(id, { timeout: 0 });
      await started;
      await stopped;
      const st = (await engine.containers.inspect(id)).state;
      assert.deepEqual({ status: st.status, exitCode: st.exitCode }, { status: 'exited', exitCode: 137 });
    } finally {
      await engine.containers.remove(id, { force: true });
    }
  });

  test('rename and update wait for a start under way; restart runs stop and start as one', async () => {
    const { id } = await engine.containers.create({ ...defaultContainerSpec('bb'), name: 'lockren', cmd: ['sleep', '60'] });
    try {
      const started = engine.containers.start(id);
      const renamed = engine.containers.rename(id, 'lockren2');
      const updated = engine.containers.update(id, { memory: 64 * 1024 * 1024 });
      const restarted = engine.containers.restart(id, { timeout: 0 });
      await Promise.all([started, renamed, updated, restarted]);
      // an exit handler of the first run queued behind restart's lock must not end the second run
      await engine.containers.rename(id, 'lockren3');
      const rec = await engine.containers.inspect(id);
      assert.equal(rec.name, 'lockren3');
      assert.equal(rec.spec.host.memory, 64 * 1024 * 1024);
      assert.equal(rec.state.status, 'running');
    } finally {
      await engine.containers.remove(id, { force: true });
    }
  });

  test('exec runs in a running container and reports its exit code', async () => {
    const { id } = await engine.containers.create({ ...defaultContainerSpec('bb'), cmd: ['sleep', '60'] });
    await engine.containers.start(id);
    try {
      const execId = await engine.containers.execCreate(id, { cmd: ['sh', '-c', 'echo $HOSTNAME; exit 5'], env: [], tty: false, attachStdin: false, attachStdout: true, attachStderr: true, privileged: false });
      const s = await engine.containers.execStart(execId, { detach: false, tty: false });
      assert.ok(s);
      const out = demux(await collect(s));
      assert.equal(out.stdout, `${id.slice(0, 12)}\n`);
      for (let i = 0; i < 50 && (await engine.containers.execInspect(execId)).running; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal((await engine.containers.execInspect(execId)).exitCode, 5);
    } finally {
      await engine.containers.remove(id, { force: true });
    }
  });

  test('--restart on-failure:2 restarts a failing container twice, `restarting` (never `exited`) between the runs', async () => {
    const { id } = await engine.containers.create({
      ...defaultContainerSpec('bb'),
      cmd: ['sh', '-c', 'echo run; exit 1'],
      host: { ...defaultContainerSpec('bb').host, restartPolicy: { name: 'on-failure', maximumRetryCount: 2 } },
    });
    await engine.containers.start(id);
    // moby TestUpdateRestartPolicy waits for `exited` and then reads the count: a back-off or a start must not look so
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const r = await engine.containers.inspect(id);
      seen.add(`${r.state.restartCount}:${r.state.status}`);
      if (r.state.restartCount === 2 && r.state.status === 'exited') break;
      await new Promise((res) => setTimeout(res, 5));
    }
    const r = await engine.containers.inspect(id);
    assert.equal(r.state.restartCount, 2);
    assert.equal(r.state.status, 'exited');
    assert.deepEqual([...seen].filter((s) => s.endsWith(':exited')), ['2:exited'], [...seen].join(' '));
    assert.ok(seen.has('0:restarting') || seen.has('1:restarting'), [...seen].join(' '));
    // every run's output is kept, as dockerd appends it
    const lines: string[] = [];
    for await (const e of engine.containers.logs(id, { follow: false, stdout: true, stderr: true, timestamps: false })) lines.push(e.data.toString());
    assert.equal(lines.join(''), 'run\nrun\nrun\n');
    await engine.containers.remove(id, { force: true });
  });

  test('kill: the stop signal (any, when none is set) ends a restart-always container for good; another leaves it to the policy', async () => {
    const spec = (stopSignal?: string): ContainerSpec => ({
      ...defaultContainerSpec('bb'),
      cmd: ['sh', '-c', 'trap "exit 3" TERM; while true; do sleep 0.1; done'],
      ...(stopSignal ? { stopSignal } : {}),
      host: { ...defaultContainerSpec('bb').host, restartPolicy: { name: 'always', maximumRetryCount: 0 } },
    });
    const ids = [(await engine.containers.create(spec())).id, (await engine.containers.create(spec('SIGTERM'))).id, (await engine.containers.create(spec('SIGUSR1'))).id];
    try {
      for (const id of ids) await engine.containers.start(id);
      for (const id of ids) await engine.containers.kill(id, 'TERM');
      // the third one restarts (moby TestKillWithStopSignalAndRestartPolicies)
      for (let i = 0; i < 200 && (await engine.containers.inspect(ids[2]!)).state.restartCount < 1; i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok((await engine.containers.inspect(ids[2]!)).state.restartCount >= 1, 'a signal other than the stop signal keeps the policy');
      for (const id of ids.slice(0, 2)) {
        const st = (await engine.containers.inspect(id)).state;
        assert.deepEqual([st.status, st.restartCount, st.exitCode], ['exited', 0, 3]);
      }
    } finally {
      for (const id of ids) await engine.containers.remove(id, { force: true });
    }
  });

  test('20 containers created and run at once all finish and are listed', async () => {
    const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => engine.containers.create({ ...defaultContainerSpec('bb'), name: `par${i}`, cmd: ['true'] }).then((r) => r.id)));
    await Promise.all(ids.map(async (id) => {
      const w = engine.containers.wait(id, { condition: 'next-exit' });
      await engine.containers.start(id);
      assert.equal((await w).statusCode, 0);
    }));
    const listed = await engine.containers.list({ all: true, filters: { name: ['^par'] } });
    assert.equal(listed.length, 20);
    await Promise.all(ids.map((id) => engine.containers.remove(id)));
    assert.equal((await engine.containers.list({ all: true, filters: { name: ['^par'] } })).length, 0);
  });
});

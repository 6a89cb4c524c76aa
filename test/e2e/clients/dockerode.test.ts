/**
 * dockerode (4.0) against berthd: the calls its users make most — create/start with an
 * attached stream, wait, logs, exec with demuxed output, archive in and out, inspect,
 * events, remove — and an API error in Docker's shape.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { startDaemon, cli, DOCKER, type TestDaemon } from '../../kit/daemon';
import { makeBusyboxTar } from '../../kit/busybox';

let d: TestDaemon;
let docker: Docker;
const T = { timeout: 60_000 };

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const parts: Buffer[] = [];
  stream.on('data', (b: Buffer) => parts.push(b));
  return { stream, text: () => Buffer.concat(parts).toString('utf8') };
}

describe('dockerode against berthd', () => {
  before(async () => {
    d = await startDaemon('dode');
    assert.equal((await cli(DOCKER, d, ['import', await makeBusyboxTar(path.join(d.base, 'bb.tar')), 'bb:latest'])).code, 0);
    docker = new Docker({ socketPath: d.socket });
  });
  after(async () => {
    await d?.close();
  });

  test('docker.run: attached output, exit code, then inspect and remove', T, async () => {
    const out = collect();
    const [result, container] = (await docker.run('bb:latest', ['sh', '-c', 'echo to-stdout; echo to-stderr >&2; exit 4'], out.stream, { HostConfig: { NetworkMode: 'none' } })) as [{ StatusCode: number }, Docker.Container];
    assert.equal(result.StatusCode, 4);
    assert.match(out.text(), /to-stdout/);
    assert.match(out.text(), /to-stderr/);
    const info = await container.inspect();
    assert.equal(info.State.ExitCode, 4);
    await container.remove();
    await assert.rejects(container.inspect(), (e: { statusCode?: number; json?: { message?: string } }) => e.statusCode === 404 && /No such container/.test(e.json?.message ?? ''));
  });

  test('exec with demuxed streams, archive in and out, logs', T, async () => {
    const c = await docker.createContainer({ Image: 'bb:latest', Cmd: ['sleep', '60'], HostConfig: { NetworkMode: 'none' } });
    try {
      await c.start();
      const exec = await c.exec({ Cmd: ['sh', '-c', 'echo out; echo err >&2; exit 2'], AttachStdout: true, AttachStderr: true });
      const stream = await exec.start({ hijack: true, stdin: false });
      const o = collect();
      const e = collect();
      docker.modem.demuxStream(stream, o.stream, e.stream);
      await new Promise((res) => stream.on('end', res));
      assert.deepEqual([o.text(), e.text()], ['out\n', 'err\n']);
      assert.equal((await exec.inspect()).ExitCode, 2);
      const { pack } = await import('tar-stream');
      const p = pack();
      p.entry({ name: 'hello.txt' }, 'from dockerode\n');
      p.finalize();
      await c.putArchive(p, { path: '/tmp' });
      const tarStream = await c.getArchive({ path: '/tmp/hello.txt' });
      const chunks: Buffer[] = [];
      for await (const chunk of tarStream) chunks.push(chunk as Buffer);
      assert.match(Buffer.concat(chunks).toString('latin1'), /from dockerode/);
      const logs = (await c.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
      assert.ok(Buffer.isBuffer(logs));
    } finally {
      await c.remove({ force: true });
    }
  });

  test('images and networks: list, inspect, and Docker-shaped errors', T, async () => {
    const images = await docker.listImages();
    assert.ok(images.some((i) => i.RepoTags?.includes('bb:latest')));
    const nets = await docker.listNetworks();
    assert.deepEqual(nets.map((n) => n.Name).sort(), ['bridge', 'host', 'none']);
    await assert.rejects(docker.getImage('nope:1').inspect(), (e: { statusCode?: number }) => e.statusCode === 404);
  });
});

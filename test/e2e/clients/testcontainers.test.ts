/**
 * testcontainers-node (11.9, through dockerode) against berthd, unmodified: a container
 * waited for with Wait.forListeningPorts (host connect + its exec probes), its mapped port,
 * exec, logs, stop; a second one with Wait.forLogMessage, env, content copied in before
 * start, restart and stop. Ryuk (its reaper container image) is off: nothing can be pulled here.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { startDaemon, cli, DOCKER, type TestDaemon } from '../../kit/daemon';
import { makeBusyboxTar } from '../../kit/busybox';

let d: TestDaemon;
const T = { timeout: 120_000 };
type TC = typeof import('testcontainers');
let tc: TC;

describe('testcontainers-node against berthd', () => {
  before(async () => {
    d = await startDaemon('tcn');
    assert.equal((await cli(DOCKER, d, ['import', await makeBusyboxTar(path.join(d.base, 'bb.tar')), 'bb:latest'])).code, 0);
    // read once, when testcontainers first finds its client
    process.env.DOCKER_HOST = d.host;
    process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
    // /.dockerenv makes it think it runs in a container and go for the bridge gateway; tests talk to 127.0.0.1 only
    process.env.TESTCONTAINERS_HOST_OVERRIDE = '127.0.0.1';
    tc = await import('testcontainers');
  });
  after(async () => {
    await d?.close();
  });

  test('GenericContainer with Wait.forListeningPorts, mapped port, exec, logs, stop', T, async () => {
    const c = await new tc.GenericContainer('bb:latest')
      .withCommand(['sh', '-c', 'mkdir -p /www && echo tc-hello > /www/index.html && exec httpd -f -v -p 8080 -h /www'])
      .withExposedPorts(8080)
      .withWaitStrategy(tc.Wait.forListeningPorts())
      .withStartupTimeout(20_000)
      .start();
    try {
      assert.equal(c.getHost(), '127.0.0.1');
      const r = await fetch(`http://127.0.0.1:${c.getMappedPort(8080)}/index.html`);
      assert.equal(await r.text(), 'tc-hello\n');
      const ex = await c.exec(['cat', '/www/index.html']);
      assert.deepEqual([ex.exitCode, ex.stdout], [0, 'tc-hello\n']);
      const failing = await c.exec(['sh', '-c', 'echo oops >&2; exit 3']);
      assert.deepEqual([failing.exitCode, failing.stderr], [3, 'oops\n']);
      const logs = await c.logs();
      const got: string[] = [];
      logs.on('data', (b: Buffer | string) => got.push(String(b)));
      for (let i = 0; i < 40 && !got.join('').includes('response:200'); i++) await new Promise((res) => setTimeout(res, 50));
      logs.destroy();
      assert.match(got.join(''), /response:200/);
    } finally {
      await c.stop();
    }
    assert.equal((await cli(DOCKER, d, ['ps', '-aq', '--filter', 'label=org.testcontainers=true'])).stdout, '', 'stop removes it');
  });

  test('Wait.forLogMessage, env, content copied before start, restart', T, async () => {
    const c = await new tc.GenericContainer('bb:latest')
      // after restart() testcontainers waits for the message in logs since a time it takes after the
      // restart; a line printed at once can precede it (its race, seen against dockerd too): print later
      .withCommand(['sh', '-c', 'sleep 0.5; echo ready; exec httpd -f -v -p 8080 -h /'])
      .withExposedPorts(8080)
      .withEnvironment({ FOO: 'bar' })
      .withCopyContentToContainer([{ content: 'copied-by-tc\n', target: '/tc.txt' }])
      .withWaitStrategy(tc.Wait.forLogMessage('ready'))
      .withStartupTimeout(20_000)
      .start();
    try {
      const ex = await c.exec(['sh', '-c', 'cat /tc.txt; echo $FOO']);
      assert.equal(ex.stdout, 'copied-by-tc\nbar\n');
      await c.restart();
      assert.equal((await c.exec(['cat', '/tc.txt'])).stdout, 'copied-by-tc\n');
    } finally {
      await c.stop();
    }
  });
});

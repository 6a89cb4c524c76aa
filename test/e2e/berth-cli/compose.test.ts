/**
 * `berth compose` against berthd: a project with a built service, a named volume, a published
 * port, a healthcheck that a dependent waits for, scaling, logs, stop/start, and `down -v`
 * leaving nothing behind. The containers carry docker compose's labels, so the docker CLI's
 * filters find them as they find docker compose's.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startDaemon, cli, BERTH, DOCKER, type TestDaemon } from '../../kit/daemon';
import { makeBusyboxTar } from '../../kit/busybox';
import { freeLowPort } from '../../kit/ports';
import { freeSubnet } from '../../kit/subnets';

let d: TestDaemon;
let dir = '';
const project = `bcp${randomBytes(3).toString('hex')}`;
const T = { timeout: 180_000 };
const compose = (args: string[]) => cli(BERTH, d, ['compose', '-p', project, '-f', path.join(dir, 'compose.yaml'), ...args], { timeoutMs: 120_000 });
const docker = (args: string[]) => cli(DOCKER, d, args);


describe('berth compose against berthd', () => {
  let port = 0;
  before(async () => {
    d = await startDaemon('bcmp');
    assert.equal((await docker(['import', await makeBusyboxTar(path.join(d.base, 'bb.tar')), 'bb:latest'])).code, 0);
    dir = await fs.mkdtemp(path.join(d.base, 'proj-'));
    port = freeLowPort();
    await fs.mkdir(path.join(dir, 'web'));
    await fs.writeFile(path.join(dir, 'web', 'Dockerfile'), 'FROM bb\nRUN mkdir /www && echo "hello from ${GREETING}" > /www/index.html\nHEALTHCHECK --interval=300ms CMD wget -q -O /dev/null http://127.0.0.1/ || exit 1\nCMD ["httpd", "-f", "-p", "80", "-h", "/www"]\n');
    await fs.writeFile(path.join(dir, '.env'), 'GREETING=dotenv\n');
    await fs.writeFile(path.join(dir, 'compose.yaml'), [
      'services:',
      '  web:',
      '    build: ./web',
      '    ports:',
      `      - "127.0.0.1:${port}:80"`,
      '    volumes:',
      '      - data:/data',
      '    environment:',
      '      GREETING: ${GREETING}',
      '  client:',
      '    image: bb',
      '    command: ["sh", "-c", "wget -q -O - http://web/ && echo client-done && exec sleep 300"]',
      '    stop_grace_period: 1s',
      '    depends_on:',
      '      web:',
      '        condition: service_healthy',
      'volumes:',
      '  data:',
      'networks:',
      '  default:',
      '    ipam:',
      `      config: [{ subnet: "${freeSubnet()}" }]`,
    ].join('\n'));
  });
  after(async () => {
    if (d) {
      await compose(['down', '-v', '--rmi', 'local']).catch(() => undefined);
      await d.close();
    }
  });

  test('up -d builds, waits for the healthcheck, and the client reaches web by name; ps, logs, scale, stop/start, down -v', T, async () => {
    const up = await compose(['up', '-d']);
    assert.equal(up.code, 0, up.stdout + up.stderr);
    assert.match(up.stderr, new RegExp(`Container ${project}-web-1 +Healthy`));
    assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'hello from \n', 'the build ran without the .env value (it is not a build arg)');
    const ps = await compose(['ps']);
    assert.match(ps.stdout, new RegExp(`^${project}-web-1 +${project}-web .* web +Up .*\\(healthy\\) +127\\.0\\.0\\.1:${port}->80/tcp$`, 'm'));
    assert.match(ps.stdout, new RegExp(`^${project}-client-1 +bb `, 'm'));
    // the docker CLI finds them by docker compose's labels
    const byLabel = await docker(['ps', '-q', '--filter', `label=com.docker.compose.project=${project}`, '--filter', 'label=com.docker.compose.service=web']);
    assert.equal(byLabel.stdout.split('\n').filter(Boolean).length, 1);
    let logs = '';
    for (let i = 0; i < 50 && !logs.includes('client-done'); i++) {
      logs = (await compose(['logs', 'client'])).stdout;
      if (!logs.includes('client-done')) await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(logs, new RegExp(`^${project}-client-1 +\\| hello from \\n${project}-client-1 +\\| client-done$`, 'm'));
    const env = await compose(['exec', '-T', 'web', 'sh', '-c', 'echo $GREETING; exit 3']);
    assert.deepEqual([env.code, env.stdout], [3, 'dotenv\n'], '.env feeds interpolation; exec gives the exit code');
    const once = await compose(['run', '--rm', '-T', 'client', 'sh', '-c', 'wget -q -O - http://web/; exit 5']);
    assert.deepEqual([once.code, once.stdout], [5, 'hello from \n'], once.stderr);
    assert.equal((await docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`, '--filter', 'label=com.docker.compose.oneoff=True'])).stdout, '', 'run --rm leaves nothing');
    // a second up changes nothing that runs
    const again = await compose(['up', '-d']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, new RegExp(`Container ${project}-client-1 +Running`));
    const scaled = await compose(['up', '-d', '--scale', 'client=2']);
    assert.equal(scaled.code, 0, scaled.stderr);
    assert.equal((await compose(['ps', '-q', 'client'])).stdout.split('\n').filter(Boolean).length, 2);
    assert.equal((await compose(['stop'])).code, 0);
    assert.equal((await compose(['ps', '-q'])).stdout, '');
    assert.equal((await compose(['ps', '-a', '-q'])).stdout.split('\n').filter(Boolean).length, 3);
    assert.equal((await compose(['start'])).code, 0);
    assert.equal((await compose(['ps', '-q'])).stdout.split('\n').filter(Boolean).length, 3);
    const down = await compose(['down', '-v']);
    assert.equal(down.code, 0, down.stderr);
    assert.equal((await docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`])).stdout, '');
    assert.doesNotMatch((await docker(['network', 'ls'])).stdout, new RegExp(`${project}_default`));
    assert.doesNotMatch((await docker(['volume', 'ls'])).stdout, new RegExp(`${project}_data`));
  });

  test('up --wait returns once healthy; up --exit-code-from gives a test service\'s code and stops the rest (the CI pattern)', T, async () => {
    const ci = `${project}ci`;
    const file = path.join(dir, 'ci.yaml');
    await fs.writeFile(file, [
      'services:',
      '  app:',
      '    image: bb',
      '    command: ["sh", "-c", "touch /tmp/up; exec sleep 300"]',
      '    stop_grace_period: 1s',
      '    healthcheck: { test: ["CMD", "test", "-f", "/tmp/up"], interval: 300ms }',
      '  tests:',
      '    image: bb',
      '    command: ["sh", "-c", "echo running tests; sleep 1; exit 4"]',
      '    profiles: [ci]',
      'networks:',
      '  default:',
      `    ipam: { config: [{ subnet: "${freeSubnet()}" }] }`,
    ].join('\n'));
    const run = (args: string[]) => cli(BERTH, d, ['compose', '-p', ci, '-f', file, ...args], { timeoutMs: 120_000 });
    try {
      const waited = await run(['up', '--wait']);
      assert.equal(waited.code, 0, waited.stderr);
      assert.equal((await docker(['inspect', '--format', '{{.State.Health.Status}}', `${ci}-app-1`])).stdout, 'healthy\n');
      const tests = await run(['--profile', 'ci', 'up', '--exit-code-from', 'tests']);
      assert.equal(tests.code, 4, tests.stdout + tests.stderr);
      assert.match(tests.stdout, new RegExp(`${ci}-tests-1 +\\| running tests`));
      assert.equal((await docker(['ps', '-q', '--filter', `label=com.docker.compose.project=${ci}`])).stdout, '', 'everything stopped');
    } finally {
      await run(['--profile', 'ci', 'down']);
    }
  });

  test('a bad compose file is refused with the place of the error', T, async () => {
    await fs.writeFile(path.join(dir, 'bad.yaml'), 'services:\n  web:\n    image: bb\n    ports: 80\n');
    const r = await cli(BERTH, d, ['compose', '-p', `${project}bad`, '-f', path.join(dir, 'bad.yaml'), 'up', '-d']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /services\.web\.ports/);
    assert.equal((await docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}bad`])).stdout, '');
  });
});

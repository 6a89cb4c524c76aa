/**
 * The real docker-compose (1.29.2, Debian's, through docker-py; it also spawns the docker CLI
 * for `exec`) against berthd, unmodified: a web service with a named volume and a published
 * port and a file secret, a client that reaches it by service name, scaling, exec both ways, top, restart,
 * stop/start, a one-off `run --rm`, builds, and `down -v` leaving nothing behind.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startDaemon, cli, DOCKER, type TestDaemon } from '../../kit/daemon';
import { makeBusyboxTar } from '../../kit/busybox';
import { freeLowPort } from '../../kit/ports';
import { freeSubnet } from '../../kit/subnets';

let d: TestDaemon;
let dir = '';
const project = `bc${randomBytes(3).toString('hex')}`;
const T = { timeout: 180_000 };
const docker = (args: string[]) => cli(DOCKER, d, args);

function compose(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('docker-compose', ['-p', project, ...args], { cwd: dir, env: { ...d.env, ...env }, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}


async function get(port: number): Promise<string> {
  const r = await fetch(`http://127.0.0.1:${port}/`);
  return r.text();
}

describe('docker-compose 1.29 against berthd', () => {
  let port = 0;
  before(async () => {
    d = await startDaemon('dc');
    const tar = await makeBusyboxTar(path.join(d.base, 'bb.tar'));
    assert.equal((await docker(['import', tar, 'bb:latest'])).code, 0);
    dir = await fs.mkdtemp(path.join(d.base, 'proj-'));
    port = freeLowPort();
    await fs.mkdir(path.join(dir, 'ctx'));
    await fs.writeFile(path.join(dir, 'token.txt'), 'file-secret\n');
    await fs.writeFile(path.join(dir, 'ctx', 'Dockerfile'), 'FROM bb\nRUN echo built > /built.txt\nCMD ["cat", "/built.txt"]\n');
    await fs.writeFile(path.join(dir, 'docker-compose.yml'), [
      'version: "3.8"',
      'services:',
      '  web:',
      '    image: bb:latest',
      '    command: ["sh", "-c", "mkdir -p /www && echo hello-from-$$HOSTNAME > /www/index.html && echo $$GREETING > /data/greeting.txt && exec httpd -f -p 80 -h /www"]',
      '    environment:',
      '      GREETING: hi-compose',
      '    ports:',
      `      - "127.0.0.1:${port}:80"`,
      '    volumes:',
      '      - webdata:/data',
      '    secrets: [token]',
      '    networks: [appnet]',
      '  client:',
      '    image: bb:latest',
      '    depends_on: [web]',
      '    command: ["sh", "-c", "exec sleep 300"]',
      '    networks: [appnet]',
      '  built:',
      '    build: ./ctx',
      `    image: ${project}-built:1`,
      '    profiles: [never]',
      'volumes:',
      '  webdata:',
      'secrets:',
      '  token:',
      '    file: ./token.txt',
      'networks:',
      '  appnet:',
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

  test('up -d, the published port, exec (CLI and docker-py), scale, top, restart, run --rm, down -v', T, async () => {
    const up = await compose(['up', '-d']);
    assert.equal(up.code, 0, up.stderr);
    let page = '';
    for (let i = 0; i < 50 && !page.startsWith('hello-from-'); i++) {
      page = await get(port).catch(() => '');
      if (!page) await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(page, /^hello-from-[0-9a-f]{12}\n$/);
    const ps = await compose(['ps']);
    assert.match(ps.stdout, new RegExp(`${project}_web_1 .* Up +127\\.0\\.0\\.1:${port}->80/tcp`));
    assert.equal((ps.stdout.match(new RegExp(`${project}_client_1`, 'g')) ?? []).length, 1, ps.stdout);
    const ex = await compose(['exec', '-T', 'web', 'cat', '/data/greeting.txt']);
    assert.deepEqual([ex.code, ex.stdout], [0, 'hi-compose\n'], ex.stderr);
    // a file secret outside swarm: the file bind-mounted read-only at /run/secrets/<name>
    const secret = await compose(['exec', '-T', 'web', 'sh', '-c', 'cat /run/secrets/token; echo x > /run/secrets/token || echo read-only']);
    assert.equal(secret.stdout, 'file-secret\nread-only\n', secret.stderr);
    // docker-py's own exec half-closes its socket at once; the output must still come
    for (let i = 0; i < 3; i++) {
      const py = await compose(['exec', '-T', 'web', 'ls', '/www'], { COMPOSE_INTERACTIVE_NO_CLI: '1' });
      assert.deepEqual([py.code, py.stdout], [0, 'index.html\n'], py.stderr);
    }
    const client = await compose(['exec', '-T', 'client', 'sh', '-c', 'printf "GET /index.html HTTP/1.0\\r\\n\\r\\n" | nc web 80 | tail -1']);
    assert.equal(client.stdout, page, client.stderr);
    const scaled = await compose(['up', '-d', '--scale', 'client=3']);
    assert.equal(scaled.code, 0, scaled.stderr);
    const ids = (await docker(['ps', '-q', '--filter', `label=com.docker.compose.project=${project}`, '--filter', 'label=com.docker.compose.service=client'])).stdout.split('\n').filter(Boolean);
    assert.equal(ids.length, 3);
    const top = await compose(['top', 'web']);
    assert.match(top.stdout, /httpd -f -p 80 -h \/www/);
    assert.equal((await compose(['restart', 'client'])).code, 0);
    assert.equal((await compose(['stop', 'web'])).code, 0);
    assert.equal((await compose(['start', 'web'])).code, 0);
    const once = await compose(['run', '--rm', '-T', 'client', 'sh', '-c', 'echo one-off']);
    assert.deepEqual([once.code, once.stdout], [0, 'one-off\n'], once.stderr);
    const down = await compose(['down', '-v']);
    assert.equal(down.code, 0, down.stderr);
    assert.equal((await docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`])).stdout, '');
    assert.doesNotMatch((await docker(['network', 'ls'])).stdout, new RegExp(`${project}_appnet`));
    assert.doesNotMatch((await docker(['volume', 'ls'])).stdout, new RegExp(`${project}_webdata`));
    await assert.rejects(get(port));
  });

  test('build: through the docker CLI (compose\'s default) and through docker-py (COMPOSE_DOCKER_CLI_BUILD=0)', T, async () => {
    for (const env of [{}, { COMPOSE_DOCKER_CLI_BUILD: '0' }] as Array<Record<string, string>>) {
      const b = await compose(['build', 'built'], env);
      assert.equal(b.code, 0, b.stdout + b.stderr);
      assert.match(b.stdout + b.stderr, new RegExp(`Successfully tagged ${project}-built:1`));
      const r = await docker(['run', '--rm', '--network', 'none', `${project}-built:1`]);
      assert.equal(r.stdout, 'built\n', r.stderr);
      assert.equal((await docker(['rmi', `${project}-built:1`])).code, 0);
    }
  });
});

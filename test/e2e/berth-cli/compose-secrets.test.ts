/**
 * Compose secrets and configs against berthd, both ways an app can be run: `berth compose up` (a file
 * secret bind-mounted read-only at /run/secrets, an environment secret copied in with its uid/gid/mode,
 * a file config at its target and an inline config at /<name>) and `berth compose kube | berth kube play -`
 * (Secrets and ConfigMaps mounted key by key at the same paths). The app serves what it read, so both
 * runs must answer the same; a changed secret recreates the container on the next `up`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseAllDocuments } from 'yaml';
import { startDaemon, cli, BERTH, DOCKER, type TestDaemon } from '../../kit/daemon';
import { makeBusyboxTar } from '../../kit/busybox';
import { freeLowPort } from '../../kit/ports';
import { freeSubnet } from '../../kit/subnets';
import { kubeSchemaErrors } from '../../kit/kube-schemas';

let d: TestDaemon;
let dir = '';
let port = 0;
const project = `bcs${randomBytes(3).toString('hex')}`;
const T = { timeout: 240_000 };
const berth = (args: string[], input?: string) => cli(BERTH, d, args, { timeoutMs: 120_000, ...(input !== undefined ? { input } : {}) });
const compose = (args: string[]) => berth(['compose', '-p', project, '-f', path.join(dir, 'compose.yaml'), ...args]);
const docker = (args: string[]) => cli(DOCKER, d, args);
const lines = (s: string) => s.split('\n').filter(Boolean);

/** What the app answers once it listens (it writes the page before it starts httpd). */
async function answer(): Promise<string> {
  let last = '';
  for (let i = 0; i < 300; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`);
      last = await res.text();
      if (res.ok) return last;
    } catch (e) {
      last = String(e);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the app did not answer: ${last}`);
}

async function leftovers(): Promise<string[]> {
  const cs = lines((await docker(['ps', '-aq'])).stdout);
  const vs = lines((await docker(['volume', 'ls', '-q'])).stdout);
  const nets = lines((await docker(['network', 'ls', '--format', '{{.Name}}'])).stdout).filter((n) => !['bridge', 'host', 'none'].includes(n));
  return [...cs.map((c) => `container ${c}`), ...vs.map((v) => `volume ${v}`), ...nets.map((n) => `network ${n}`)];
}

// the page: each file's content, then whether the secret file can be written
const SCRIPT = [
  'mkdir -p /www',
  '{ cat /run/secrets/db-password /run/secrets/token /etc/app/app.conf /motd; echo;',
  '  if (echo x > /run/secrets/db-password) 2>/dev/null; then echo writable; else echo read-only; fi; } > /www/index.html',
  'stat -c "%a %u:%g" /run/secrets/token > /www/owner',
  'exec httpd -f -p 8080 -h /www',
].join('\n');

describe('compose secrets and configs against berthd', () => {
  before(async () => {
    d = await startDaemon('bcsec');
    assert.equal((await docker(['import', await makeBusyboxTar(path.join(d.base, 'bb.tar')), 'bb:latest'])).code, 0);
    dir = await fs.mkdtemp(path.join(d.base, 'proj-'));
    port = freeLowPort();
    await fs.mkdir(path.join(dir, 'db'));
    await fs.writeFile(path.join(dir, 'db', 'password.txt'), 'db-pass\n');
    await fs.writeFile(path.join(dir, 'app.conf'), 'level=debug\n');
    await fs.writeFile(path.join(dir, '.env'), 'TOKEN=tok-1\nWHO=world\n');
    await fs.writeFile(path.join(dir, 'compose.yaml'), [
      'services:',
      '  app:',
      '    image: bb',
      `    command: ["sh", "-c", ${JSON.stringify(SCRIPT)}]`,
      '    stop_grace_period: 1s',
      `    ports: ["127.0.0.1:${port}:8080"]`,
      '    secrets:',
      '      - db-password',
      '      - source: token',
      '        uid: "1000"',
      '        gid: "1001"',
      '        mode: 0440',
      '    configs:',
      '      - source: app.conf',
      '        target: /etc/app/app.conf',
      '      - motd',
      'secrets:',
      '  db-password:',
      '    file: ./db/password.txt',
      '  token:',
      '    environment: TOKEN',
      'configs:',
      '  app.conf:',
      '    file: ./app.conf',
      '  motd:',
      '    content: "hello ${WHO}"',
      'networks:',
      '  default:',
      `    ipam: { config: [{ subnet: "${freeSubnet()}" }] }`,
    ].join('\n'));
  });
  after(async () => {
    if (d) {
      await compose(['down']).catch(() => undefined);
      await berth(['kube', 'down', path.join(dir, 'kube.yaml')]).catch(() => undefined);
      await d.close();
    }
  });

  const PAGE = 'db-pass\ntok-1level=debug\nhello world\nread-only\n';

  test('compose up: the app reads every file at its path; a changed secret recreates it; an unset one makes nothing', T, async () => {
    const up = await compose(['up', '-d']);
    assert.equal(up.code, 0, up.stderr);
    assert.equal(await answer(), PAGE);
    assert.equal(await (await fetch(`http://127.0.0.1:${port}/owner`)).text(), '440 1000:1001\n', 'the copied-in secret has the uid, gid and mode asked for');
    const again = await compose(['up', '-d']);
    assert.match(again.stderr, new RegExp(`Container ${project}-app-1 +Running`));
    await fs.writeFile(path.join(dir, '.env'), 'TOKEN=tok-2\nWHO=world\n');
    const changed = await compose(['up', '-d']);
    assert.equal(changed.code, 0, changed.stderr);
    assert.match(changed.stderr, new RegExp(`Container ${project}-app-1 +Recreate`));
    assert.equal(await answer(), PAGE.replace('tok-1', 'tok-2'));
    const once = await compose(['run', '--rm', '-T', 'app', 'cat', '/run/secrets/token', '/motd']);
    assert.deepEqual([once.code, once.stdout], [0, 'tok-2hello world'], 'a one-off container gets them too');
    assert.equal((await compose(['down'])).code, 0);

    await fs.writeFile(path.join(dir, '.env'), 'WHO=world\n');
    const unset = await compose(['up', '-d']);
    assert.equal(unset.code, 1);
    assert.match(unset.stderr, new RegExp(`environment variable "TOKEN" required by file "${project}_token" is not set`));
    assert.deepEqual(await leftovers(), [], 'nothing was made');
    await fs.writeFile(path.join(dir, '.env'), 'TOKEN=tok-1\nWHO=world\n');

    // a missing secret file is the daemon's refusal of the bind, as under docker compose (not a directory made in its place)
    await fs.rename(path.join(dir, 'db', 'password.txt'), path.join(dir, 'db', 'moved.txt'));
    try {
      const missing = await compose(['up', '-d']);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /invalid mount config for type "bind": bind source path does not exist: .*\/db\/password\.txt/);
      await assert.rejects(fs.stat(path.join(dir, 'db', 'password.txt')));
    } finally {
      await fs.rename(path.join(dir, 'db', 'moved.txt'), path.join(dir, 'db', 'password.txt'));
      await compose(['down']);
    }
  });

  test('a secret that cannot be copied in (read-only rootfs, as dockerd refuses it) leaves no container behind', T, async () => {
    const file = path.join(dir, 'ro.yaml');
    await fs.writeFile(file, ['services:', '  ro:', '    image: bb', '    command: ["true"]', '    read_only: true', '    secrets: [token]', 'secrets:', '  token:', '    environment: TOKEN', 'networks:', '  default:', `    ipam: { config: [{ subnet: "${freeSubnet()}" }] }`].join('\n'));
    const ro = (args: string[]) => berth(['compose', '-p', `${project}ro`, '-f', file, ...args]);
    try {
      const up = await ro(['up', '-d']);
      assert.equal(up.code, 1, up.stderr);
      assert.match(up.stderr, /container rootfs is marked read-only/);
      assert.equal((await docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}ro`])).stdout, '');
    } finally {
      assert.equal((await ro(['down'])).code, 0);
    }
  });

  test('compose kube | kube play -: Secrets and ConfigMaps give the app the same files', T, async () => {
    const kube = await compose(['kube']);
    assert.equal(kube.code, 0, kube.stderr);
    const objects = parseAllDocuments(kube.stdout).map((x) => x.toJS() as { kind: string; metadata: { name: string } });
    for (const o of objects) assert.deepEqual(await kubeSchemaErrors(o), [], `${o.kind} ${o.metadata.name}: strictly valid Kubernetes`);
    assert.deepEqual(objects.filter((o) => o.kind === 'Secret' || o.kind === 'ConfigMap').map((o) => `${o.kind}/${o.metadata.name}`).sort(), ['ConfigMap/app-conf', 'ConfigMap/motd', 'Secret/db-password', 'Secret/token']);
    await fs.writeFile(path.join(dir, 'kube.yaml'), kube.stdout);
    assert.equal((await docker(['network', 'create', '--subnet', freeSubnet(), '--label', 'io.berth.kube.namespace=default', 'kube-default'])).code, 0);
    const play = await berth(['kube', 'play', '-'], kube.stdout);
    try {
      assert.equal(play.code, 0, play.stderr);
      assert.equal(await answer(), PAGE);
    } finally {
      const down = await berth(['kube', 'down', '-'], kube.stdout);
      assert.equal(down.code, 0, down.stderr);
    }
    assert.deepEqual(await leftovers(), [], 'kube down left nothing');
  });
});

/**
 * The round trip of issue #12: awesome-compose samples run under `berth compose up` and through
 * `berth compose kube | berth kube play -`, and their services answer the same on the published ports
 * (sparkjava-mysql's two services also read the same db-password secret, as a bind and as a Secret).
 * Nothing can be pulled here, so each image a sample names (or builds) is a stand-in built from the
 * host's busybox that behaves as the sample needs: it listens on the sample's port and answers, and
 * reaches its peers by their service names (a web front → a backend → a store, as the real images do).
 * The sample files are used as they are, but for their host ports (free ones instead of 80/81/82/6379)
 * and the default network's subnet (a free one): both edits go through the YAML, nothing else changes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments, parseDocument } from 'yaml';
import { startDaemon, cli, BERTH, DOCKER, type TestDaemon } from '../../kit/daemon';
import { makeBusyboxTar } from '../../kit/busybox';
import { freeLowPort } from '../../kit/ports';
import { freeSubnet } from '../../kit/subnets';
import { kubeSchemaErrors } from '../../kit/kube-schemas';

const SAMPLES = path.resolve(__dirname, '../../../../test/conformance/data/compose/awesome-compose');
const T = { timeout: 300_000 };
let d: TestDaemon;
let dir = '';
const berth = (args: string[], input?: string) => cli(BERTH, d, args, { timeoutMs: 180_000, ...(input !== undefined ? { input } : {}) });
const docker = (args: string[]) => cli(DOCKER, d, args, { timeoutMs: 120_000 });
const lines = (s: string) => s.split('\n').filter(Boolean);

/** A stand-in image: busybox httpd on `port` serving /srv (CGI under /srv/cgi-bin), after `prep` ran; arguments are ignored. */
interface StandIn {
  tag: string;
  port: number;
  prep?: string;
  cgi: Record<string, string>;
}

async function buildStandIn(s: StandIn): Promise<void> {
  const ctx = await fs.mkdtemp(path.join(dir, 'standin-'));
  await fs.mkdir(path.join(ctx, 'srv/cgi-bin'), { recursive: true });
  await fs.writeFile(path.join(ctx, 'srv/index.html'), 'ok\n');
  for (const [name, body] of Object.entries(s.cgi)) {
    await fs.writeFile(path.join(ctx, 'srv/cgi-bin', name), `#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\n${body}\n`, { mode: 0o755 });
  }
  await fs.writeFile(path.join(ctx, 'start'), `#!/bin/sh\n${s.prep ?? ''}\nexec httpd -f -p ${s.port} -h /srv\n`, { mode: 0o755 });
  await fs.writeFile(path.join(ctx, 'Dockerfile'), 'FROM bb\nCOPY srv /srv\nCOPY start /start\nENTRYPOINT ["/start"]\n');
  const r = await berth(['build', '-q', '-t', s.tag, ctx]);
  assert.equal(r.code, 0, r.stderr);
}

/** The sample copied under its own name (the project name), its host ports and default subnet replaced. */
async function copySample(sample: string, ports: Record<string, number>): Promise<string> {
  const to = path.join(dir, 'samples', sample);
  await fs.cp(path.join(SAMPLES, sample), to, { recursive: true });
  const file = path.join(to, 'compose.yaml');
  const doc = parseDocument(await fs.readFile(file, 'utf8'));
  const services = doc.toJS() as { services: Record<string, { ports?: string[] }> };
  for (const [name, s] of Object.entries(services.services)) {
    if (!s.ports) continue;
    doc.setIn(['services', name, 'ports'], s.ports.map((p) => {
      const [published, target] = String(p).split(':');
      const mapped = ports[published!];
      assert.ok(mapped, `a free port for ${sample}'s host port ${published}`);
      return `${mapped}:${target}`;
    }));
  }
  doc.setIn(['networks', 'default', 'ipam', 'config'], [{ subnet: freeSubnet() }]);
  await fs.writeFile(file, doc.toString());
  return file;
}

/** The body at url once it answers and `ready` accepts it (a service still starting is waited for, not raced). */
async function answer(url: string, ready: (body: string) => boolean = () => true): Promise<string> {
  let last = '';
  for (let i = 0; i < 300; i++) {
    try {
      const res = await fetch(url);
      last = await res.text();
      if (res.ok && ready(last)) return last;
    } catch (e) {
      last = String(e);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer: ${last}`);
}

async function leftovers(): Promise<string[]> {
  const cs = lines((await docker(['ps', '-aq'])).stdout);
  const vs = lines((await docker(['volume', 'ls', '-q'])).stdout);
  const nets = lines((await docker(['network', 'ls', '--format', '{{.Name}}'])).stdout).filter((n) => !['bridge', 'host', 'none'].includes(n));
  return [...cs.map((c) => `container ${c}`), ...vs.map((v) => `volume ${v}`), ...nets.map((n) => `network ${n}`)];
}

/**
 * Runs the sample both ways; `probe` reads what its services answer (from the host, over 127.0.0.1), once
 * under compose and once as Kubernetes objects, and the two must be the same.
 */
async function roundTrip(sample: string, ports: Record<string, number>, probe: () => Promise<string>, files: Record<string, string> = {}): Promise<{ compose: string; kube: string; warnings: string }> {
  const file = await copySample(sample, ports);
  // files the sample's repository has but the copy here lacks (secrets: db/password.txt)
  for (const [f, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(path.dirname(file), f)), { recursive: true });
    await fs.writeFile(path.join(path.dirname(file), f), text);
  }
  const up = await berth(['compose', '-f', file, 'up', '-d']);
  assert.equal(up.code, 0, up.stderr);
  let composeAnswer = '';
  try {
    composeAnswer = await probe();
  } finally {
    const down = await berth(['compose', '-f', file, 'down', '-v']);
    assert.equal(down.code, 0, down.stderr);
  }
  assert.deepEqual(await leftovers(), [], 'compose down left nothing');

  const kube = await berth(['compose', '-f', file, 'kube']);
  assert.equal(kube.code, 0, kube.stderr);
  for (const o of parseAllDocuments(kube.stdout).map((x) => x.toJS() as object)) assert.deepEqual(await kubeSchemaErrors(o), [], `${sample}: strictly valid Kubernetes`);
  // the namespace network on a subnet free on this host (a play would make it with the daemon's default pool)
  assert.equal((await docker(['network', 'create', '--subnet', freeSubnet(), '--label', 'io.berth.kube.namespace=default', 'kube-default'])).code, 0);
  const play = await berth(['kube', 'play', '-'], kube.stdout);
  let kubeAnswer = '';
  try {
    assert.equal(play.code, 0, play.stderr);
    kubeAnswer = await probe();
  } finally {
    const down = await berth(['kube', 'down', '-'], kube.stdout);
    assert.equal(down.code, 0, down.stderr);
  }
  assert.deepEqual(await leftovers(), [], 'kube down left nothing');
  return { compose: composeAnswer, kube: kubeAnswer, warnings: play.stderr };
}

describe('awesome-compose samples: compose up and compose kube | kube play - answer the same', () => {
  before(async () => {
    d = await startDaemon('kac');
    assert.equal((await docker(['import', await makeBusyboxTar(path.join(d.base, 'bb.tar')), 'bb:latest'])).code, 0);
    dir = await fs.mkdtemp(path.join(d.base, 'kac-'));
  });
  after(async () => {
    if (d) await d.close();
  });

  test('wordpress-mysql: wordpress reaches db by its service name with its env; the db keeps its rows in the named volume', T, async () => {
    // mariadb: the database named by MYSQL_DATABASE, one more row per query, kept in /var/lib/mysql (the volume)
    await buildStandIn({
      tag: 'mariadb:10.6.4-focal',
      port: 3306,
      prep: 'mkdir -p /var/lib/mysql; echo "db=$MYSQL_DATABASE user=$MYSQL_USER" > /srv/info',
      cgi: { query: 'n=$(( $(cat /var/lib/mysql/rows 2>/dev/null || echo 0) + 1 )); echo $n > /var/lib/mysql/rows; echo "$(cat /srv/info) rows=$n"' },
    });
    await buildStandIn({
      tag: 'wordpress:latest',
      port: 80,
      prep: 'echo "$WORDPRESS_DB_HOST" > /srv/dbhost; echo "wordpress db_user=$WORDPRESS_DB_USER db_name=$WORDPRESS_DB_NAME" > /srv/info',
      cgi: {
        dbping: 'wget -q -O - "http://$(cat /srv/dbhost):3306/index.html"',
        index: 'cat /srv/info; wget -q -O - "http://$(cat /srv/dbhost):3306/cgi-bin/query" || echo "no database at $(cat /srv/dbhost)"',
      },
    });
    const port = freeLowPort();
    const r = await roundTrip('wordpress-mysql', { '80': port }, async () => {
      await answer(`http://127.0.0.1:${port}/cgi-bin/dbping`, (b) => b === 'ok\n');
      return answer(`http://127.0.0.1:${port}/cgi-bin/index`);
    });
    assert.equal(r.compose, 'wordpress db_user=wordpress db_name=wordpress\ndb=wordpress user=wordpress rows=1\n');
    assert.equal(r.kube, r.compose);
  });

  test('nginx-nodejs-redis: nginx reaches web1 and web2 (their own hostnames), both count visits in redis; every published port answers', T, async () => {
    await buildStandIn({ tag: 'redislabs/redismod', port: 6379, prep: 'mkdir -p /data', cgi: { incr: 'n=$(( $(cat /data/visits 2>/dev/null || echo 0) + 1 )); echo $n > /data/visits; echo $n' } });
    for (const web of ['web1', 'web2']) {
      await buildStandIn({ tag: `nginx-nodejs-redis-${web}`, port: 5000, cgi: { visit: 'n=$(wget -q -O - http://redis:6379/cgi-bin/incr) && echo "$(hostname): Number of visits is: $n"' } });
    }
    await buildStandIn({ tag: 'nginx-nodejs-redis-nginx', port: 80, cgi: { index: 'wget -q -O - http://web1:5000/cgi-bin/visit; wget -q -O - http://web2:5000/cgi-bin/visit' } });
    const ports = { '80': freeLowPort(), '81': freeLowPort(), '82': freeLowPort(), '6379': freeLowPort() };
    const r = await roundTrip('nginx-nodejs-redis', ports, async () => {
      for (const p of Object.values(ports)) await answer(`http://127.0.0.1:${p}/index.html`, (b) => b === 'ok\n');
      const front = await answer(`http://127.0.0.1:${ports['80']}/cgi-bin/index`);
      const direct = await answer(`http://127.0.0.1:${ports['82']}/cgi-bin/visit`);
      return front + direct;
    });
    assert.equal(r.compose, 'web1: Number of visits is: 1\nweb2: Number of visits is: 2\nweb2: Number of visits is: 3\n');
    assert.equal(r.kube, r.compose);
  });

  test('sparkjava-mysql: the backend logs in to db with the db-password secret both read from /run/secrets', T, async () => {
    // mariadb: accepts the password in its MYSQL_ROOT_PASSWORD_FILE (the secret), refuses any other
    await buildStandIn({
      tag: 'mariadb:10.6.4-focal',
      port: 3306,
      prep: 'echo "$MYSQL_ROOT_PASSWORD_FILE" > /srv/pwfile',
      cgi: { login: 'if [ "$QUERY_STRING" = "$(cat "$(cat /srv/pwfile)")" ]; then echo "db=$MYSQL_DATABASE login ok"; else echo "access denied for \'$QUERY_STRING\'"; fi' },
    });
    await buildStandIn({ tag: 'sparkjava-mysql-backend', port: 8080, cgi: { index: 'wget -q -O - "http://db:3306/cgi-bin/login?$(cat /run/secrets/db-password)"' } });
    const port = freeLowPort();
    const r = await roundTrip('sparkjava-mysql', { '8080': port }, async () => {
      await answer(`http://127.0.0.1:${port}/index.html`, (b) => b === 'ok\n');
      return answer(`http://127.0.0.1:${port}/cgi-bin/index`, (b) => b !== '');
    }, { 'db/password.txt': 'db-78n1' });
    assert.equal(r.compose, 'db=example login ok\n');
    assert.equal(r.kube, r.compose);
  });
});

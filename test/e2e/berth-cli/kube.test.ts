/**
 * `berth kube play|down|generate` against berthd: a Deployment of 2 busybox httpd pods behind a
 * LoadBalancer Service (host port), with a ConfigMap (files and env), a Secret, a claim, an init
 * container, a probe, limits and runAsUser; another pod resolves the Service by name. `compose kube |
 * kube play -` runs a compose project; `kube generate` output validates against Kubernetes' schemas and
 * plays back; bad input makes nothing; `kube down` leaves nothing behind.
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
const T = { timeout: 240_000 };
const ns = `kt${randomBytes(3).toString('hex')}`;
const berth = (args: string[], input?: string) => cli(BERTH, d, args, { timeoutMs: 180_000, ...(input !== undefined ? { input } : {}) });
const docker = (args: string[]) => cli(DOCKER, d, args, { timeoutMs: 120_000 });
const lines = (s: string) => s.split('\n').filter(Boolean);

async function httpGet(url: string): Promise<string> {
  for (let i = 0; ; i++) {
    try {
      return await (await fetch(url)).text();
    } catch (e) {
      if (i > 100) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** The namespace network, made ahead with a subnet no route on this host uses (as a play would make it, labelled). */
const namespaceNetwork = (namespace: string) => docker(['network', 'create', '--subnet', freeSubnet(), '--label', `io.berth.kube.namespace=${namespace}`, `kube-${namespace}`]);

async function leftovers(namespace: string): Promise<string[]> {
  const cs = lines((await docker(['ps', '-aq', '--filter', `label=io.berth.kube.namespace=${namespace}`])).stdout);
  const vs = lines((await docker(['volume', 'ls', '-q', '--filter', `label=io.berth.kube.namespace=${namespace}`])).stdout);
  const nets = lines((await docker(['network', 'ls', '--format', '{{.Name}}'])).stdout).filter((n) => n === `kube-${namespace}`);
  return [...cs.map((c) => `container ${c}`), ...vs.map((v) => `volume ${v}`), ...nets.map((n) => `network ${n}`)];
}

const app = (port: number) => `
apiVersion: v1
kind: ConfigMap
metadata: { name: site, namespace: ${ns} }
data: { index.html: "hello from configmap\\n", GREETING: hi }
---
apiVersion: v1
kind: Secret
metadata: { name: creds, namespace: ${ns} }
data: { PASSWORD: czNjcjN0 }
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: ${ns}-data, namespace: ${ns} }
spec: { accessModes: [ReadWriteOnce], resources: { requests: { storage: 1Gi } } }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: ${ns} }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      terminationGracePeriodSeconds: 1
      initContainers:
        - { name: prep, image: bb, command: [sh, -c, "echo init-ran > /www/init.txt; hostname > /www/host.txt"], volumeMounts: [{ name: www, mountPath: /www }] }
      containers:
        - name: web
          image: bb
          command: [httpd]
          args: [-f, -p, "$(PORT)", -h, /www]
          env:
            - { name: PORT, value: "8080" }
            - { name: GREETING, valueFrom: { configMapKeyRef: { name: site, key: GREETING } } }
          envFrom: [{ secretRef: { name: creds } }]
          ports: [{ name: http, containerPort: 8080 }]
          readinessProbe: { httpGet: { path: /, port: http }, periodSeconds: 1 }
          resources: { limits: { cpu: 500m, memory: 64Mi } }
          securityContext: { runAsUser: 1000 }
          volumeMounts:
            - { name: www, mountPath: /www }
            - { name: site, mountPath: /www/index.html, subPath: index.html }
            - { name: data, mountPath: /data }
      volumes:
        - { name: www, emptyDir: {} }
        - { name: site, configMap: { name: site } }
        - { name: data, persistentVolumeClaim: { claimName: ${ns}-data } }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: ${ns} }
spec: { type: LoadBalancer, selector: { app: web }, ports: [{ port: ${port}, targetPort: http }] }
---
apiVersion: v1
kind: Service
metadata: { name: web-internal, namespace: ${ns} }
spec: { selector: { app: web }, ports: [{ port: 80, targetPort: 8080 }] }
---
apiVersion: v1
kind: Pod
metadata: { name: client, namespace: ${ns} }
spec:
  terminationGracePeriodSeconds: 1
  containers: [{ name: client, image: bb, command: [sleep, "300"] }]
`;

describe('berth kube against berthd', () => {
  let dir = '';
  before(async () => {
    d = await startDaemon('kube');
    assert.equal((await docker(['import', await makeBusyboxTar(path.join(d.base, 'bb.tar')), 'bb:latest'])).code, 0);
    dir = await fs.mkdtemp(path.join(d.base, 'kube-'));
  });
  after(async () => {
    if (d) await d.close();
  });

  test('play: a Deployment of 2 behind a Service serves on the host port; the service name resolves from another pod; down leaves nothing', T, async () => {
    const port = freeLowPort();
    const file = path.join(dir, 'app.yaml');
    await fs.writeFile(file, app(port));
    for (const o of parseAllDocuments(app(port)).map((x) => x.toJS() as object)) assert.deepEqual(await kubeSchemaErrors(o), [], 'the test input is valid Kubernetes');
    assert.equal((await namespaceNetwork(ns)).code, 0);
    const t0 = Date.now();
    const play = await berth(['kube', 'play', file]);
    const ms = Date.now() - t0;
    assert.equal(play.code, 0, play.stderr);
    console.log(`# kube play of the 2-replica deployment (+ client pod, 8 containers): ${ms} ms`);
    assert.match(play.stdout, /^Pod:\nclient\n/m);
    assert.match(play.stdout, /^Pod:\nweb-1\n/m);
    assert.doesNotMatch(play.stderr, /reaches pod web-1 only/);
    assert.equal(await httpGet(`http://127.0.0.1:${port}/`), 'hello from configmap\n');
    // the host port reaches both replicas (the daemon's proxy takes them in turn): each answers its hostname
    const hosts = new Set<string>();
    for (let i = 0; i < 6; i++) hosts.add(await httpGet(`http://127.0.0.1:${port}/host.txt`));
    assert.deepEqual([...hosts].sort(), ['web-1\n', 'web-2\n']);
    assert.equal(await httpGet(`http://127.0.0.1:${port}/init.txt`), 'init-ran\n', 'the init container ran first, into the shared emptyDir');
    // both replicas under the service name, and the service answers by name
    const lookup = await docker(['exec', 'client-client', 'nslookup', 'web']);
    assert.equal(lookup.code, 0, lookup.stderr);
    assert.equal(lookup.stdout.split('Name:').length - 1, 2, lookup.stdout);
    const byName = await docker(['exec', 'client-client', 'wget', '-q', '-O', '-', 'http://web:8080/']);
    assert.equal(byName.stdout, 'hello from configmap\n', byName.stderr);
    // SERVICE:port lands on the pods' targetPort (8080), for the ClusterIP Service and the LoadBalancer's cluster port
    for (const url of ['http://web-internal/', `http://web-internal:80/host.txt`, `http://web:${port}/`]) {
      const r = await docker(['exec', 'client-client', 'wget', '-q', '-O', '-', url]);
      assert.equal(r.code, 0, `${url}: ${r.stderr}`);
      assert.match(r.stdout, /^(hello from configmap|web-[12])\n$/, url);
    }
    // and nothing listens on port 80 in the pod itself: the redirect did it
    assert.notEqual((await docker(['exec', 'web-1-web', 'sh', '-c', 'netstat -ltn | grep -q ":80 "'])).code, 0);
    // the pod's containers share the infra container's network namespace: localhost reaches httpd
    assert.equal((await docker(['exec', 'web-2-web', 'wget', '-q', '-O', '-', 'http://127.0.0.1:8080/init.txt'])).stdout, 'init-ran\n');
    assert.equal((await docker(['exec', 'web-1-web', 'sh', '-c', 'echo $GREETING $PASSWORD; id -u'])).stdout, 'hi s3cr3t\n1000\n');
    const insp = await docker(['inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.NetworkMode}}', 'web-1-web']);
    assert.equal(insp.stdout.trim(), `${64 * 2 ** 20} 500000000 container:web-1-infra`);
    let health = '';
    for (let i = 0; i < 100 && health !== 'healthy'; i++) {
      health = (await docker(['inspect', '-f', '{{.State.Health.Status}}', 'web-2-web'])).stdout.trim();
      if (health !== 'healthy') await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(health, 'healthy', 'the readiness probe is the healthcheck');
    assert.equal(lines((await docker(['ps', '-aq', '--filter', `label=io.berth.kube.namespace=${ns}`])).stdout).length, 8);

    // a second play of the same objects is refused and changes nothing; --replace plays it anew
    const again = await berth(['kube', 'play', file]);
    assert.equal(again.code, 125);
    assert.match(again.stderr, /already in use: kube down the objects first, or play with --replace/);
    assert.equal(await httpGet(`http://127.0.0.1:${port}/`), 'hello from configmap\n');
    const replaced = await berth(['kube', 'play', '--replace', file]);
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.equal(await httpGet(`http://127.0.0.1:${port}/`), 'hello from configmap\n');

    // generate: a played pod back as YAML that Kubernetes' schemas accept
    const gen = await berth(['kube', 'generate', '--service', 'web-1']);
    assert.equal(gen.code, 0, gen.stderr);
    const objs = parseAllDocuments(gen.stdout).map((x) => x.toJS() as { kind: string });
    assert.deepEqual(objs.map((o) => o.kind), ['Pod', 'Service']);
    for (const o of objs) assert.deepEqual(await kubeSchemaErrors(o), []);

    const down = await berth(['kube', 'down', file]);
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stdout, /Pods removed:\n/);
    assert.deepEqual(await leftovers(ns), []);
    await assert.rejects(fetch(`http://127.0.0.1:${port}/`), 'the proxy stopped listening with the pods gone');
  });

  test('bad input makes nothing: an unknown ConfigMap fails the play with the object named', T, async () => {
    const bad = `apiVersion: v1\nkind: Pod\nmetadata: { name: bad, namespace: ${ns} }\nspec:\n  containers: [{ name: c, image: bb, envFrom: [{ configMapRef: { name: missing } }] }]\n`;
    const r = await berth(['kube', 'play', '-'], bad);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /pod bad: container c: configmap "missing" not found/);
    const init = `apiVersion: v1\nkind: Pod\nmetadata: { name: badinit, namespace: ${ns} }\nspec:\n  initContainers: [{ name: i, image: bb, command: [sh, -c, "exit 3"] }]\n  volumes: [{ name: scratch, emptyDir: {} }]\n  containers: [{ name: c, image: bb, command: [sleep, "30"], volumeMounts: [{ name: scratch, mountPath: /s }] }]\n`;
    assert.equal((await namespaceNetwork(ns)).code, 0);
    const r2 = await berth(['kube', 'play', '-'], init);
    assert.equal(r2.code, 125);
    assert.match(r2.stderr, /pod badinit: init container i exited with 3/);
    const left = await leftovers(ns);
    assert.deepEqual(left, [`network kube-${ns}`], 'the failed play removed its containers and volumes (the network was there before)');
    assert.equal((await docker(['network', 'rm', `kube-${ns}`])).code, 0);
    const unknown = await berth(['kube', 'play', '-'], 'apiVersion: batch/v1\nkind: CronJob\nmetadata: { name: c }\n');
    assert.equal(unknown.code, 0, unknown.stderr);
    assert.match(unknown.stderr, /warning: kind CronJob \(c\) is not supported: ignored/);
  });

  test('compose kube | kube play - runs a compose project, and its service answers; kube generate of a container plays back', T, async () => {
    const port = freeLowPort();
    const proj = path.join(dir, 'proj');
    await fs.mkdir(proj, { recursive: true });
    await fs.writeFile(path.join(proj, 'compose.yaml'), [
      'services:',
      '  web:',
      '    image: bb',
      `    command: ["sh", "-c", "mkdir -p /www && echo compose-web > /www/index.html && exec httpd -f -p 8080 -h /www"]`,
      `    ports: ["${port}:8080"]`,
      '    volumes: ["store:/store"]',
      '  client:',
      '    image: bb',
      '    command: ["sleep", "300"]',
      '    expose: ["1"]',
      'volumes:',
      '  store: {}',
    ].join('\n'));
    const kube = await berth(['compose', '-f', path.join(proj, 'compose.yaml'), 'kube']);
    assert.equal(kube.code, 0, kube.stderr);
    for (const o of parseAllDocuments(kube.stdout).map((x) => x.toJS() as object)) assert.deepEqual(await kubeSchemaErrors(o), []);
    assert.equal((await namespaceNetwork('default')).code, 0);
    const play = await berth(['kube', 'play', '-'], kube.stdout);
    assert.equal(play.code, 0, play.stderr);
    assert.equal(await httpGet(`http://127.0.0.1:${port}/`), 'compose-web\n');
    // peers reach it by the compose service name, as under compose
    assert.equal((await docker(['exec', 'client-1-client', 'wget', '-q', '-O', '-', 'http://web:8080/'])).stdout, 'compose-web\n');
    const down = await berth(['kube', 'down', '-'], kube.stdout);
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(await leftovers('default'), []);

    // a plain container → Pod + Service → validates → plays back under Berth and serves
    const gport = freeLowPort();
    assert.equal((await docker(['run', '-d', '--name', 'gen1', '-p', `${gport}:80`, '-e', 'A=1', '--memory', '64m', '--health-cmd', 'true', 'bb', 'httpd', '-f', '-p', '80', '-h', '/etc'])).code, 0);
    const gen = await berth(['kube', 'generate', '--service', 'gen1']);
    assert.equal(gen.code, 0, gen.stderr);
    const objs = parseAllDocuments(gen.stdout).map((x) => x.toJS() as { kind: string; spec: { containers?: Array<Record<string, unknown>> } });
    for (const o of objs) assert.deepEqual(await kubeSchemaErrors(o), []);
    const c = objs[0]!.spec.containers![0]!;
    assert.deepEqual([c.name, c.image, c.args, c.env, c.resources], ['gen1', 'bb', ['httpd', '-f', '-p', '80', '-h', '/etc'], [{ name: 'A', value: '1' }], { limits: { memory: '64Mi' } }]);
    assert.equal((await docker(['rm', '-f', 'gen1'])).code, 0);
    assert.equal((await namespaceNetwork('default')).code, 0);
    const back = await berth(['kube', 'play', '-'], gen.stdout);
    assert.equal(back.code, 0, back.stderr);
    assert.match(await httpGet(`http://127.0.0.1:${gport}/passwd`), /^root:/);
    assert.equal((await berth(['kube', 'down', '-'], gen.stdout)).code, 0);
    assert.deepEqual(await leftovers('default'), []);
  });

  test('a restarted daemon listens again on a Service host port its pods still publish, and reaches both', T, async () => {
    const port = freeLowPort();
    const ns2 = `${ns}r`;
    const yaml = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: echo, namespace: ${ns2} }
spec:
  replicas: 2
  selector: { matchLabels: { app: echo } }
  template:
    metadata: { labels: { app: echo } }
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{ name: echo, image: bb, command: [sh, -c, "mkdir /w && hostname > /w/h && exec httpd -f -p 8000 -h /w"], ports: [{ containerPort: 8000 }] }]
---
apiVersion: v1
kind: Service
metadata: { name: echo, namespace: ${ns2} }
spec: { type: NodePort, selector: { app: echo }, ports: [{ port: 80, targetPort: 8000, nodePort: ${port} }] }
`;
    assert.equal((await namespaceNetwork(ns2)).code, 0);
    const play = await berth(['kube', 'play', '-'], yaml);
    assert.equal(play.code, 0, play.stderr);
    await d.kill9();
    await d.restart();
    const hosts = new Set<string>();
    for (let i = 0; i < 6; i++) hosts.add(await httpGet(`http://127.0.0.1:${port}/h`));
    assert.deepEqual([...hosts].sort(), ['echo-1\n', 'echo-2\n']);
    assert.equal((await berth(['kube', 'down', '-'], yaml)).code, 0);
    assert.deepEqual(await leftovers(ns2), []);
  });
});

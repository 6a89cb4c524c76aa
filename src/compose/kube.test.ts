import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, readdirSync, existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadProject } from './loader';
import { kubeName, toKube, type KubeObject } from './kube';

const DNS1123 = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

async function project(yaml: string) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-kube-'));
  try {
    await fs.writeFile(path.join(dir, 'compose.yaml'), yaml);
    return await loadProject({ workingDir: dir, projectName: 'shop', env: {} });
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

const find = (objs: KubeObject[], kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name) as (KubeObject & { spec: Record<string, any> }) | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any -- test lookups into nested manifests

test('a web service with a published port, a volume, a healthcheck and replicas becomes a Deployment, two Services and a PVC', async () => {
  const p = await project([
    'services:',
    '  web:',
    '    image: nginx:1.27',
    '    command: ["nginx", "-g", "daemon off;"]',
    '    environment: { MODE: prod }',
    '    ports: ["8080:80"]',
    '    volumes: ["data:/var/www"]',
    '    healthcheck: { test: ["CMD", "true"], interval: 10s, retries: 2 }',
    '    deploy: { replicas: 3 }',
    '  worker:',
    '    build: .',
    '    depends_on: [web]',
    'volumes:',
    '  data: {}',
  ].join('\n'));
  const { objects, warnings } = toKube(p);
  const web = find(objects, 'Deployment', 'web')!;
  assert.equal(web.spec.replicas, 3);
  const c = web.spec.template.spec.containers[0];
  assert.equal(c.image, 'nginx:1.27');
  assert.deepEqual(c.args, ['nginx', '-g', 'daemon off;']);
  assert.deepEqual(c.env, [{ name: 'MODE', value: 'prod' }]);
  assert.deepEqual(c.livenessProbe, { exec: { command: ['true'] }, periodSeconds: 10, failureThreshold: 2 });
  assert.deepEqual(web.spec.template.spec.volumes, [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }]);
  // peers keep dialing web:80; outside users dial the published 8080
  assert.deepEqual(find(objects, 'Service', 'web')!.spec.ports, [{ name: 'tcp-80', port: 80, targetPort: 80, protocol: 'TCP' }]);
  const pub = find(objects, 'Service', 'web-public')!;
  assert.equal(pub.spec.type, 'LoadBalancer');
  assert.deepEqual(pub.spec.ports, [{ name: 'tcp-8080', port: 8080, targetPort: 80, protocol: 'TCP' }]);
  assert.ok(find(objects, 'PersistentVolumeClaim', 'data'));
  assert.equal(find(objects, 'Deployment', 'worker')!.spec.template.spec.containers[0].image, 'shop-worker');
  assert.ok(warnings.some((w) => /worker: built locally as shop-worker/.test(w)));
  assert.ok(warnings.some((w) => /worker: depends_on/.test(w)));
});

test('names become DNS-1123 labels', () => {
  assert.equal(kubeName('My_Service.v2'), 'my-service-v2');
  assert.equal(kubeName('-x-'), 'x');
  assert.match(kubeName('a'.repeat(80)), DNS1123);
});

test('every awesome-compose sample converts, with valid names and one Deployment per service', async () => {
  const root = path.resolve(__dirname, '../../../test/conformance/data/compose/awesome-compose');
  const samples = readdirSync(root).filter((d) => existsSync(path.join(root, d, 'compose.yaml')) || existsSync(path.join(root, d, 'compose.yml')));
  assert.ok(samples.length >= 39);
  for (const sample of samples) {
    const p = await loadProject({ workingDir: path.join(root, sample), env: { HOME: '/home/sample' } });
    const { objects } = toKube(p);
    for (const o of objects) assert.match(o.metadata.name, DNS1123, `${sample}: ${o.kind} ${o.metadata.name}`);
    assert.equal(objects.filter((o) => o.kind === 'Deployment').length, Object.keys(p.services).length, sample);
  }
});

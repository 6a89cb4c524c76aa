/**
 * Every manifest `compose kube` writes for the awesome-compose samples validates against
 * Kubernetes' own schemas (the kubernetes-models validators: types, formats, enums, required fields), and
 * the validators do catch a bad one.
 * (`kube generate`'s output is checked in test/e2e/berth-cli/kube.test.ts, against real containers.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadProject } from '../../src/compose/loader';
import { toKube } from '../../src/compose/kube';
import { kubeSchemaErrors } from '../kit/kube-schemas';

const SAMPLES = path.resolve(__dirname, '../../../test/conformance/data/compose/awesome-compose');

test('the validators reject a wrong type, a bad enum value, a missing required field and an unknown kind', async () => {
  assert.deepEqual(await kubeSchemaErrors({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: 'b' } }), []);
  assert.ok((await kubeSchemaErrors({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: 1 } })).some((e) => /data\/a must be string/.test(e)));
  assert.ok((await kubeSchemaErrors({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { replicas: 'two', selector: {}, template: {} } })).some((e) => /replicas must be integer/.test(e)));
  assert.ok((await kubeSchemaErrors({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: { containers: [{ image: 'a' }] } })).some((e) => /required property 'name'|required property name/.test(e)));
  assert.ok((await kubeSchemaErrors({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: { ports: [{ port: 80, protocol: 'ICMP' }] } })).some((e) => /protocol/.test(e)));
  assert.deepEqual(await kubeSchemaErrors({ apiVersion: 'v1', kind: 'Nope' }), ['no schema for v1/Nope']);
});

test('the strict check names every unknown field by its path, and lets maps, int-or-string and quantities be', async () => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'x', labels: { 'any/key': 'v' }, annotations: { a: 'b' }, bogus: 1 },
    spec: {
      containers: [
        { name: 'a', image: 'i', imagePullPolcy: 'Never', ports: [{ containerPort: 80, hostPrt: 1 }], resources: { limits: { cpu: '1', memory: 1024 } } },
        { name: 'b', image: 'i', readinessProbe: { httpGet: { port: 'http', path: '/' }, periodSecond: 1 } },
      ],
      volumes: [{ name: 'v', emptyDir: {}, persistentVolume: {} }],
    },
    extra: { deep: { deeper: 1 } },
  };
  assert.deepEqual(await kubeSchemaErrors(pod), [
    'v1/Pod: unknown field "metadata.bogus"',
    'v1/Pod: unknown field "spec.containers[0].imagePullPolcy"',
    'v1/Pod: unknown field "spec.containers[0].ports[0].hostPrt"',
    'v1/Pod: unknown field "spec.containers[1].readinessProbe.periodSecond"',
    'v1/Pod: unknown field "spec.volumes[0].persistentVolume"',
    'v1/Pod: unknown field "extra"',
  ]);
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { 'weird.key': 'v' }, binaryData: { b: 'AA==' } };
  assert.deepEqual(await kubeSchemaErrors(cm), []);
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: { selector: { a: 'b' }, ports: [{ port: 80, targetPort: 'http' }, { port: 81, targetPort: 8081 }], type: 'NodePort' } };
  assert.deepEqual(await kubeSchemaErrors(svc), []);
});

test('compose kube of every awesome-compose sample validates against the Kubernetes schemas', async () => {
  const samples = readdirSync(SAMPLES).filter((d) => existsSync(path.join(SAMPLES, d, 'compose.yaml')) || existsSync(path.join(SAMPLES, d, 'compose.yml')));
  assert.ok(samples.length >= 39);
  let objects = 0;
  for (const sample of samples) {
    const p = await loadProject({ workingDir: path.join(SAMPLES, sample), env: { HOME: '/home/sample' } });
    for (const o of toKube(p).objects) {
      // JSON round trip: what the YAML carries (no undefined fields)
      assert.deepEqual(await kubeSchemaErrors(JSON.parse(JSON.stringify(o)) as object), [], `${sample}: ${o.kind} ${o.metadata.name}`);
      objects++;
    }
  }
  assert.ok(objects > 100, `${objects} objects`);
});

test('compose kube of secrets and configs (file, environment, content, binary, external) validates too', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-kube-secrets-'));
  try {
    writeFileSync(path.join(dir, 'pw.txt'), 'pw\n');
    writeFileSync(path.join(dir, 'blob'), Buffer.from([0xff, 0, 1]));
    writeFileSync(path.join(dir, 'compose.yaml'), [
      'services:',
      '  app:',
      '    image: bb',
      '    secrets: [pw, { source: tok, target: /etc/tok, mode: 0400 }, ext]',
      '    configs: [{ source: conf, target: etc/app.conf }, blob]',
      'secrets:',
      '  pw: { file: ./pw.txt }',
      '  tok: { environment: TOK }',
      '  ext: { external: true }',
      'configs:',
      '  conf: { content: "a=1" }',
      '  blob: { file: ./blob }',
    ].join('\n'));
    const { objects } = toKube(await loadProject({ workingDir: dir, env: { TOK: 't' } }));
    assert.deepEqual(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort(), ['ConfigMap/blob', 'ConfigMap/conf', 'Deployment/app', 'Secret/pw', 'Secret/tok']);
    for (const o of objects) assert.deepEqual(await kubeSchemaErrors(JSON.parse(JSON.stringify(o)) as object), [], `${o.kind} ${o.metadata.name}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

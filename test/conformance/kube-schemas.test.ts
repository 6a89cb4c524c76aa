/**
 * Every manifest `compose kube` writes for the awesome-compose samples validates against
 * Kubernetes' own schemas (the kubernetes-models validators: types, formats, enums, required fields), and
 * the validators do catch a bad one.
 * (`kube generate`'s output is checked in test/e2e/berth-cli/kube.test.ts, against real containers.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
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

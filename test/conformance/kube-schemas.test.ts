/**
 * Every manifest `compose kube` writes for the awesome-compose samples validates against
 * Kubernetes' own schemas (v1.32.2, strict: no unknown fields), and the schemas do catch a bad one.
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

test('the schemas reject an unknown field, a wrong type and a missing required field', () => {
  assert.deepEqual(kubeSchemaErrors({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: 'b' } }), []);
  assert.ok(kubeSchemaErrors({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, dta: {} }).some((e) => /dta/.test(e)));
  assert.ok(kubeSchemaErrors({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { replicas: 'two', selector: {}, template: {} } }).length > 0);
  assert.ok(kubeSchemaErrors({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: { containers: [{ image: 'a' }] } }).some((e) => /name/.test(e)));
});

test('compose kube of every awesome-compose sample validates against the Kubernetes schemas', async () => {
  const samples = readdirSync(SAMPLES).filter((d) => existsSync(path.join(SAMPLES, d, 'compose.yaml')) || existsSync(path.join(SAMPLES, d, 'compose.yml')));
  assert.ok(samples.length >= 39);
  let objects = 0;
  for (const sample of samples) {
    const p = await loadProject({ workingDir: path.join(SAMPLES, sample), env: { HOME: '/home/sample' } });
    for (const o of toKube(p).objects) {
      // JSON round trip: what the YAML carries (no undefined fields)
      assert.deepEqual(kubeSchemaErrors(JSON.parse(JSON.stringify(o)) as object), [], `${sample}: ${o.kind} ${o.metadata.name}`);
      objects++;
    }
  }
  assert.ok(objects > 100, `${objects} objects`);
});

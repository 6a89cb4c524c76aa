/**
 * Kubernetes v1.32.2's JSON schemas ("standalone-strict": unknown fields fail) as validators.
 * The data is kept in the workplace's shared/ext/kube-schemas (SOURCE.md there names its origin);
 * a vendored copy in test/conformance/data/kube-schemas is preferred when present.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { REPO } from './daemon';

const CANDIDATES = [path.join(REPO, 'test/conformance/data/kube-schemas'), path.resolve(REPO, '../shared/ext/kube-schemas')];
const DIR = CANDIDATES.find((d) => existsSync(path.join(d, 'SOURCE.md')));
const VERSION = 'v1.32.2-standalone-strict';
const FILES: Record<string, string> = {
  'v1/Pod': 'pod-v1.json',
  'apps/v1/Deployment': 'deployment-apps-v1.json',
  'v1/Service': 'service-v1.json',
  'v1/ConfigMap': 'configmap-v1.json',
  'v1/Secret': 'secret-v1.json',
  'v1/PersistentVolumeClaim': 'persistentvolumeclaim-v1.json',
};

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const cache = new Map<string, ValidateFunction>();

/** The schema errors of one object ([] when it validates); a kind without a schema is an error too. */
export function kubeSchemaErrors(o: object): string[] {
  if (!DIR) throw new Error(`Kubernetes schemas not found (looked in ${CANDIDATES.join(', ')})`);
  const { apiVersion, kind } = o as { apiVersion?: unknown; kind?: unknown };
  const key = `${String(apiVersion)}/${String(kind)}`;
  const file = FILES[key];
  if (!file) return [`no schema for ${key}`];
  let v = cache.get(key);
  if (!v) {
    v = ajv.compile(JSON.parse(readFileSync(path.join(DIR, VERSION, file), 'utf8')) as object);
    cache.set(key, v);
  }
  return v(o) ? [] : (v.errors ?? []).map((e) => `${key} ${e.instancePath || '/'}: ${e.message ?? ''}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`);
}

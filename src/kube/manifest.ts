/**
 * The Kubernetes objects `kube play` reads: multi-document YAML in, typed objects out, and a
 * warning for every kind and field Berth does not act on (named by its path, as kubectl's
 * strict validation names unknown fields).
 */
import { parseAllDocuments } from 'yaml';
import { InvalidArgumentError } from '../base/errors';

export interface K8sMeta { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }
export interface K8sKeyRef { name?: string; key: string; optional?: boolean }
export interface K8sEnvVar {
  name: string;
  value?: string;
  valueFrom?: { configMapKeyRef?: K8sKeyRef; secretKeyRef?: K8sKeyRef; fieldRef?: { fieldPath: string }; resourceFieldRef?: { resource: string } };
}
export interface K8sEnvFrom { prefix?: string; configMapRef?: { name: string; optional?: boolean }; secretRef?: { name: string; optional?: boolean } }
export interface K8sPort { name?: string; containerPort: number; hostPort?: number; hostIP?: string; protocol?: string }
export interface K8sProbe {
  exec?: { command: string[] };
  httpGet?: { path?: string; port: number | string; host?: string; scheme?: string };
  tcpSocket?: { port: number | string; host?: string };
  grpc?: { port: number };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
  successThreshold?: number;
}
export interface K8sSecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  privileged?: boolean;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  supplementalGroups?: number[];
  sysctls?: Array<{ name: string; value: string }>;
}
export interface K8sContainer {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  env?: K8sEnvVar[];
  envFrom?: K8sEnvFrom[];
  ports?: K8sPort[];
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean; subPath?: string }>;
  livenessProbe?: K8sProbe;
  readinessProbe?: K8sProbe;
  startupProbe?: K8sProbe;
  resources?: { limits?: Record<string, string | number>; requests?: Record<string, string | number> };
  securityContext?: K8sSecurityContext;
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  tty?: boolean;
  stdin?: boolean;
}
export interface K8sVolume {
  name: string;
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
  emptyDir?: { medium?: string; sizeLimit?: string | number };
  configMap?: { name: string; items?: Array<{ key: string; path: string; mode?: number }>; defaultMode?: number; optional?: boolean };
  secret?: { secretName: string; items?: Array<{ key: string; path: string; mode?: number }>; defaultMode?: number; optional?: boolean };
  hostPath?: { path: string; type?: string };
}
export interface K8sPodSpec {
  containers: K8sContainer[];
  initContainers?: K8sContainer[];
  volumes?: K8sVolume[];
  restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  hostname?: string;
  hostNetwork?: boolean;
  securityContext?: K8sSecurityContext;
  terminationGracePeriodSeconds?: number;
  hostAliases?: Array<{ ip: string; hostnames: string[] }>;
  dnsConfig?: { nameservers?: string[]; searches?: string[]; options?: Array<{ name: string; value?: string }> };
}
export interface K8sServicePort { name?: string; port: number; targetPort?: number | string; protocol?: string; nodePort?: number }

export type K8sObject =
  | { kind: 'Pod'; apiVersion: string; metadata: K8sMeta; spec: K8sPodSpec }
  | { kind: 'Deployment'; apiVersion: string; metadata: K8sMeta; spec: { replicas?: number; selector?: { matchLabels?: Record<string, string> }; template: { metadata?: Partial<K8sMeta>; spec: K8sPodSpec } } }
  | { kind: 'Service'; apiVersion: string; metadata: K8sMeta; spec: { type?: string; selector?: Record<string, string>; ports?: K8sServicePort[]; clusterIP?: string } }
  | { kind: 'ConfigMap'; apiVersion: string; metadata: K8sMeta; data?: Record<string, string>; binaryData?: Record<string, string> }
  | { kind: 'Secret'; apiVersion: string; metadata: K8sMeta; data?: Record<string, string>; stringData?: Record<string, string>; type?: string }
  | { kind: 'PersistentVolumeClaim'; apiVersion: string; metadata: K8sMeta; spec?: Record<string, unknown> };

const API_VERSIONS: Record<K8sObject['kind'], string> = { Pod: 'v1', Deployment: 'apps/v1', Service: 'v1', ConfigMap: 'v1', Secret: 'v1', PersistentVolumeClaim: 'v1' };

type Fields = { known: string[]; quiet?: string[]; nested?: Record<string, Fields | ((v: unknown, path: string) => void)> };

/** Fields Berth acts on (known), fields that mean nothing on one host and pass without a word (quiet). */
const PROBE: Fields = { known: ['exec', 'httpGet', 'tcpSocket', 'initialDelaySeconds', 'periodSeconds', 'timeoutSeconds', 'failureThreshold'], quiet: ['successThreshold', 'terminationGracePeriodSeconds'] };
const SECURITY: Fields = { known: ['runAsUser', 'runAsGroup', 'runAsNonRoot', 'privileged', 'readOnlyRootFilesystem', 'allowPrivilegeEscalation', 'capabilities', 'supplementalGroups', 'sysctls'] };
const CONTAINER: Fields = {
  known: ['name', 'image', 'command', 'args', 'workingDir', 'env', 'envFrom', 'ports', 'volumeMounts', 'livenessProbe', 'readinessProbe', 'startupProbe', 'resources', 'securityContext', 'imagePullPolicy', 'tty', 'stdin'],
  quiet: ['terminationMessagePath', 'terminationMessagePolicy', 'stdinOnce'],
  nested: { livenessProbe: PROBE, readinessProbe: PROBE, startupProbe: PROBE, securityContext: SECURITY },
};
const POD_SPEC: Fields = {
  known: ['containers', 'initContainers', 'volumes', 'restartPolicy', 'hostname', 'hostNetwork', 'securityContext', 'terminationGracePeriodSeconds', 'hostAliases', 'dnsConfig'],
  quiet: ['dnsPolicy', 'enableServiceLinks', 'schedulerName', 'serviceAccountName', 'serviceAccount', 'automountServiceAccountToken', 'subdomain'],
  nested: { securityContext: SECURITY },
};
const META: Fields = { known: ['name', 'namespace', 'labels', 'annotations'], quiet: ['creationTimestamp', 'uid', 'resourceVersion', 'generation', 'managedFields', 'selfLink'] };
const SPECS: Record<K8sObject['kind'], Fields> = {
  Pod: { known: ['apiVersion', 'kind', 'metadata', 'spec'], quiet: ['status'], nested: { metadata: META, spec: POD_SPEC } },
  Deployment: {
    known: ['apiVersion', 'kind', 'metadata', 'spec'],
    quiet: ['status'],
    nested: {
      metadata: META,
      spec: { known: ['replicas', 'selector', 'template'], quiet: ['strategy', 'revisionHistoryLimit', 'minReadySeconds', 'progressDeadlineSeconds'], nested: { template: { known: ['metadata', 'spec'], nested: { metadata: META, spec: POD_SPEC } } } },
    },
  },
  Service: {
    known: ['apiVersion', 'kind', 'metadata', 'spec'],
    quiet: ['status'],
    nested: { metadata: META, spec: { known: ['type', 'selector', 'ports', 'clusterIP'], quiet: ['clusterIPs', 'sessionAffinity', 'externalTrafficPolicy', 'internalTrafficPolicy', 'ipFamilies', 'ipFamilyPolicy', 'allocateLoadBalancerNodePorts'] } },
  },
  ConfigMap: { known: ['apiVersion', 'kind', 'metadata', 'data', 'binaryData'], quiet: ['immutable'], nested: { metadata: META } },
  Secret: { known: ['apiVersion', 'kind', 'metadata', 'data', 'stringData', 'type'], quiet: ['immutable'], nested: { metadata: META } },
  PersistentVolumeClaim: { known: ['apiVersion', 'kind', 'metadata', 'spec'], quiet: ['status'], nested: { metadata: META } },
};

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkFields(v: unknown, f: Fields, path: string, warn: (field: string) => void): void {
  if (!isObj(v)) return;
  for (const [k, child] of Object.entries(v)) {
    const p = path ? `${path}.${k}` : k;
    if (!f.known.includes(k)) {
      if (!f.quiet?.includes(k)) warn(p);
      continue;
    }
    const n = f.nested?.[k];
    if (typeof n === 'function') n(child, p);
    else if (n) checkFields(child, n, p, warn);
  }
  // lists of containers and volumes are checked item by item
  if (f === POD_SPEC) {
    for (const key of ['containers', 'initContainers'] as const) {
      const list = v[key];
      if (Array.isArray(list)) list.forEach((c, i) => checkFields(c, CONTAINER, `${path}.${key}[${i}]`, warn));
    }
    if (Array.isArray(v.volumes)) {
      v.volumes.forEach((vol, i) => {
        if (!isObj(vol)) return;
        for (const k of Object.keys(vol)) if (!['name', 'persistentVolumeClaim', 'emptyDir', 'configMap', 'secret', 'hostPath'].includes(k)) warn(`${path}.volumes[${i}].${k}`);
      });
    }
  }
}

export interface ParsedManifests {
  objects: K8sObject[];
  warnings: string[];
}

/** The fields of an object that Kubernetes' schema for its kind does not have (schema-fields.ts). */
export type UnknownFields = (kind: K8sObject['kind'], o: object) => string[];

/** The kinds Berth reads, as apiVersion and kind, for loading their schemas ahead of a parse. */
export const KINDS = Object.entries(API_VERSIONS).map(([kind, apiVersion]) => ({ kind: kind as K8sObject['kind'], apiVersion }));

/**
 * Parses the YAML stream; `List` objects are unpacked; unknown kinds and fields become warnings: a field
 * Kubernetes does not know (by `unknownOf`) as unknown, one it knows but Berth does not act on as not supported.
 */
export function parseManifests(text: string, unknownOf?: UnknownFields): ParsedManifests {
  const warnings: string[] = [];
  const raw: unknown[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new InvalidArgumentError(`error parsing kube YAML: ${doc.errors[0]!.message}`);
    const v: unknown = doc.toJS();
    if (v === null || v === undefined) continue;
    if (isObj(v) && v.kind === 'List' && Array.isArray(v.items)) raw.push(...v.items);
    else raw.push(v);
  }
  const objects: K8sObject[] = [];
  for (const v of raw) {
    if (!isObj(v) || typeof v.kind !== 'string') throw new InvalidArgumentError('error parsing kube YAML: a document without a kind');
    const kind = v.kind;
    const name = isObj(v.metadata) ? v.metadata.name : undefined;
    if (!(kind in SPECS)) {
      warnings.push(`kind ${kind}${typeof name === 'string' ? ` (${name})` : ''} is not supported: ignored`);
      continue;
    }
    const k = kind as K8sObject['kind'];
    if (typeof name !== 'string' || !name) throw new InvalidArgumentError(`${kind}: metadata.name is required`);
    if (v.apiVersion !== API_VERSIONS[k]) throw new InvalidArgumentError(`${kind} ${name}: apiVersion "${String(v.apiVersion)}" is not supported (want ${API_VERSIONS[k]})`);
    const unknown = unknownOf?.(k, v) ?? [];
    for (const field of unknown) warnings.push(`${kind} ${name}: unknown field ${field}: ignored`);
    checkFields(v, SPECS[k], '', (field) => {
      if (!unknown.includes(field)) warnings.push(`${kind} ${name}: field ${field} is not supported: ignored`);
    });
    if ((k === 'Pod' && !isObj(v.spec)) || (k === 'Deployment' && !(isObj(v.spec) && isObj(v.spec.template) && isObj(v.spec.template.spec)))) {
      throw new InvalidArgumentError(`${kind} ${name}: ${k === 'Pod' ? 'spec' : 'spec.template.spec'} is required`);
    }
    objects.push(v as unknown as K8sObject);
  }
  return { objects, warnings };
}

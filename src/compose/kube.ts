/**
 * A compose project as Kubernetes objects, for users who outgrow one machine:
 * a Deployment per service (replicas from scale), a Service per service that
 * publishes or exposes ports (named after the service, so peers keep finding
 * each other by the same DNS name), a PersistentVolumeClaim per named volume.
 * What has no Kubernetes counterpart (bind mounts, depends_on order, host
 * networking) is converted as close as it goes and reported in `warnings`.
 */
import { readFileSync } from 'node:fs';
import type { ComposeProject, FileObjectConfig, ServiceConfig } from './loader/model';
import { fileRefUses, imageOf } from './convert';
import { kubeName } from '../base/dns-label';

export type KubeObject = Record<string, unknown> & { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> } };

export interface KubeResult {
  objects: KubeObject[];
  warnings: string[];
}

export { kubeName };

const secs = (ns: number | undefined) => (ns === undefined ? undefined : Math.max(1, Math.round(ns / 1e9)));

function probe(s: ServiceConfig): Record<string, unknown> | undefined {
  const h = s.healthcheck;
  if (!h || h.disable || !h.test?.length || h.test[0] === 'NONE') return undefined;
  const command = h.test[0] === 'CMD-SHELL' ? ['/bin/sh', '-c', h.test.slice(1).join(' ')] : h.test[0] === 'CMD' ? h.test.slice(1) : h.test;
  const p: Record<string, unknown> = { exec: { command } };
  if (h.intervalNs) p.periodSeconds = secs(h.intervalNs);
  if (h.timeoutNs) p.timeoutSeconds = secs(h.timeoutNs);
  if (h.retries) p.failureThreshold = h.retries;
  if (h.startPeriodNs) p.initialDelaySeconds = secs(h.startPeriodNs);
  return p;
}

function deployment(p: ComposeProject, s: ServiceConfig, warn: (w: string) => void): KubeObject {
  const name = kubeName(s.name);
  const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': kubeName(p.name) };
  const container: Record<string, unknown> = { name, image: imageOf(p.name, s) };
  if (s.build && !s.image) warn(`service ${s.name}: built locally as ${imageOf(p.name, s)}; push it to a registry the cluster can pull from`);
  // compose's entrypoint/command are Kubernetes' command/args
  if (s.entrypoint) container.command = s.entrypoint;
  if (s.command) container.args = s.command;
  const env = Object.entries(s.environment).filter((e): e is [string, string] => e[1] !== null).map(([k, v]) => ({ name: k, value: v }));
  if (env.length) container.env = env;
  const ports = [...new Map(s.ports.map((x) => [`${x.target}/${x.protocol}`, { containerPort: x.target, protocol: x.protocol.toUpperCase() }])).values()];
  if (ports.length) container.ports = ports;
  if (s.workingDir) container.workingDir = s.workingDir;
  if (s.tty) container.tty = true;
  if (s.stdinOpen) container.stdin = true;
  const security: Record<string, unknown> = {};
  if (s.privileged) security.privileged = true;
  if (s.readOnly) security.readOnlyRootFilesystem = true;
  if (s.capAdd.length || s.capDrop.length) security.capabilities = { ...(s.capAdd.length ? { add: s.capAdd.map((c) => c.replace(/^CAP_/, '')) } : {}), ...(s.capDrop.length ? { drop: s.capDrop.map((c) => c.replace(/^CAP_/, '')) } : {}) };
  if (s.user && /^\d+(:\d+)?$/.test(s.user)) {
    const [u, g] = s.user.split(':');
    security.runAsUser = Number(u);
    if (g !== undefined) security.runAsGroup = Number(g);
  } else if (s.user) warn(`service ${s.name}: user "${s.user}" is a name; Kubernetes takes numeric ids (runAsUser)`);
  if (Object.keys(security).length) container.securityContext = security;
  const liveness = probe(s);
  if (liveness) {
    container.livenessProbe = liveness;
    container.readinessProbe = liveness;
  }
  const volumes: Array<Record<string, unknown>> = [];
  const mounts: Array<Record<string, unknown>> = [];
  for (const [i, v] of s.volumes.entries()) {
    const vname = v.type === 'volume' && v.source ? kubeName(v.source) : `${name}-${v.type}-${i}`;
    mounts.push({ name: vname, mountPath: v.target, ...(v.readOnly ? { readOnly: true } : {}) });
    if (volumes.some((x) => x.name === vname)) continue;
    if (v.type === 'volume' && v.source) volumes.push({ name: vname, persistentVolumeClaim: { claimName: kubeName(v.source) } });
    else if (v.type === 'volume' || v.type === 'tmpfs') volumes.push({ name: vname, emptyDir: v.type === 'tmpfs' ? { medium: 'Memory' } : {} });
    else {
      warn(`service ${s.name}: bind mount ${v.source} -> ${v.target} becomes a hostPath, which exists only on the node that runs the pod`);
      volumes.push({ name: vname, hostPath: { path: v.source } });
    }
  }
  // each secret/config is one key of its Secret/ConfigMap, mounted alone (subPath) at compose's path
  for (const u of fileRefUses(p, s)) {
    const key = dataKey(u.ref.source);
    const base = kubeName(`${u.kind}-${u.ref.source}`).slice(0, 56); // room for a "-N" that tells repeats apart
    let vname = kubeName(base);
    for (let i = 2; volumes.some((x) => x.name === vname); i++) vname = `${kubeName(base)}-${i}`;
    const items = [{ key, path: key, mode: u.ref.mode ?? 0o444 }];
    const objName = kubeName(u.def.external ? u.def.name : u.ref.source);
    volumes.push({ name: vname, ...(u.kind === 'secret' ? { secret: { secretName: objName, items } } : { configMap: { name: objName, items } }) });
    mounts.push({ name: vname, mountPath: u.target, subPath: key, readOnly: true });
    if (u.ref.uid !== undefined || u.ref.gid !== undefined) warn(`service ${s.name}: ${u.kind} ${u.ref.source}: uid/gid have no per-file counterpart (the pod's securityContext.fsGroup sets the group of all its volumes)`);
  }
  if (mounts.length) container.volumeMounts = mounts;
  if (Object.keys(s.dependsOn).length) warn(`service ${s.name}: depends_on has no Kubernetes counterpart; pods start in any order (readiness probes and retries take its place)`);
  if (s.networkMode === 'host') warn(`service ${s.name}: network_mode host becomes hostNetwork`);
  const podSpec: Record<string, unknown> = { containers: [container] };
  if (volumes.length) podSpec.volumes = volumes;
  if (s.networkMode === 'host') podSpec.hostNetwork = true;
  if (s.hostname) podSpec.hostname = kubeName(s.hostname);
  if (s.restart === 'no' || s.restart === 'on-failure') warn(`service ${s.name}: restart "${s.restart}" — a Deployment always restarts its pods`);
  if (s.stopGracePeriodNs !== undefined) podSpec.terminationGracePeriodSeconds = secs(s.stopGracePeriodNs);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { ...labels, ...s.labels } },
    spec: { replicas: s.scale, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: podSpec } },
  };
}

/**
 * The Services of a compose service: one under its own name with the container ports, which is
 * what its peers dial (`web:80`), and for published ports a LoadBalancer `<name>-public` on the
 * published port numbers, which is what users outside dialled (`host:8080`).
 */
function services(p: ComposeProject, s: ServiceConfig): KubeObject[] {
  const name = kubeName(s.name);
  const meta = (n: string) => ({ name: n, labels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': kubeName(p.name) } });
  const internal = new Map<string, Record<string, unknown>>();
  const add = (port: number, proto: string) => internal.set(`${port}/${proto}`, { name: `${proto}-${port}`, port, targetPort: port, protocol: proto.toUpperCase() });
  for (const x of s.ports) add(x.target, x.protocol);
  for (const e of s.expose) {
    const [port, proto = 'tcp'] = e.split('/');
    if (Number.isInteger(Number(port))) add(Number(port), proto);
  }
  const out: KubeObject[] = [];
  if (internal.size) out.push({ apiVersion: 'v1', kind: 'Service', metadata: meta(name), spec: { selector: { 'app.kubernetes.io/name': name }, ports: [...internal.values()] } });
  const published = new Map<string, Record<string, unknown>>();
  for (const x of s.ports) {
    if (!x.published) continue;
    const port = Number(x.published.split('-')[0]);
    published.set(`${port}/${x.protocol}`, { name: `${x.protocol}-${port}`, port, targetPort: x.target, protocol: x.protocol.toUpperCase() });
  }
  if (published.size) out.push({ apiVersion: 'v1', kind: 'Service', metadata: meta(kubeName(`${s.name}-public`)), spec: { type: 'LoadBalancer', selector: { 'app.kubernetes.io/name': name }, ports: [...published.values()] } });
  return out;
}

/** A Secret/ConfigMap key: what Kubernetes allows ([-._a-zA-Z0-9]+). */
const dataKey = (source: string) => source.replace(/[^-._a-zA-Z0-9]/g, '-') || 'x';

/** The bytes of a secret/config, or why there are none (then the object is written without them). */
function fileObjectData(p: ComposeProject, o: FileObjectConfig): Buffer | string {
  if (o.environment !== undefined) {
    const v = p.environment[o.environment];
    return v === undefined ? `environment variable ${o.environment} is not set` : Buffer.from(v, 'utf8');
  }
  if (o.content !== undefined) return Buffer.from(o.content, 'utf8');
  try {
    return readFileSync(o.file!);
  } catch (e) {
    return `${o.file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`;
  }
}

/** A Secret (base64 data) per secret and a ConfigMap (text as data, other bytes as binaryData) per config that a service uses. */
function fileObjects(p: ComposeProject, warn: (w: string) => void): KubeObject[] {
  const out: KubeObject[] = [];
  const used = new Map<string, ReturnType<typeof fileRefUses>[number]>();
  for (const s of Object.values(p.services)) for (const u of fileRefUses(p, s)) used.set(`${u.kind}/${u.ref.source}`, u);
  for (const u of used.values()) {
    const source = u.ref.source;
    const key = dataKey(source);
    if (u.def.external) {
      warn(`${u.kind} ${source} is external: it must exist in the cluster as a ${u.kind === 'secret' ? 'Secret' : 'ConfigMap'} named ${kubeName(u.def.name)} with the key ${key}`);
      continue;
    }
    const metadata = { name: kubeName(source), labels: { 'app.kubernetes.io/part-of': kubeName(p.name) } };
    const data = fileObjectData(p, u.def);
    if (typeof data === 'string') warn(`${u.kind} ${source}: ${data}, so the ${u.kind === 'secret' ? 'Secret' : 'ConfigMap'} ${metadata.name} has no key ${key}: add it before the pods can start`);
    if (u.kind === 'secret') {
      out.push({ apiVersion: 'v1', kind: 'Secret', metadata, type: 'Opaque', ...(typeof data === 'string' ? {} : { data: { [key]: data.toString('base64') } }) });
      continue;
    }
    const text = typeof data === 'string' ? undefined : data.toString('utf8');
    const isText = text !== undefined && Buffer.from(text, 'utf8').equals(data as Buffer);
    out.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata, ...(typeof data === 'string' ? {} : isText ? { data: { [key]: text } } : { binaryData: { [key]: data.toString('base64') } }) });
  }
  return out;
}

export function toKube(p: ComposeProject): KubeResult {
  const warnings: string[] = [];
  const objects: KubeObject[] = [];
  for (const [key, v] of Object.entries(p.volumes)) {
    if (v.external) {
      warnings.push(`volume ${key} is external: create a PersistentVolumeClaim named ${kubeName(key)} in the cluster`);
      continue;
    }
    objects.push({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: kubeName(key), labels: { 'app.kubernetes.io/part-of': kubeName(p.name) } },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    });
  }
  objects.push(...fileObjects(p, (w) => warnings.push(w)));
  for (const s of Object.values(p.services)) {
    objects.push(deployment(p, s, (w) => warnings.push(w)));
    const svcs = services(p, s);
    objects.push(...svcs);
    if (!svcs.length) warnings.push(`service ${s.name}: no ports or expose, so no Service: peers cannot reach it by name until one is added`);
  }
  if (Object.keys(p.networks).some((k) => k !== 'default')) warnings.push('networks: a cluster has one flat pod network; every service reaches every other by its name (NetworkPolicies can fence them)');
  return { objects, warnings };
}

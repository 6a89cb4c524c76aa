/**
 * `kube generate`: running (or stopped) containers as a Pod, and with `service` a Service, in the
 * shape `kube play` reads back. A pod `kube play` made is given by its name and comes back with its
 * app and init containers; plain containers go together into one pod named after the first.
 */
import { kubeName } from '../base/dns-label';
import { NotFoundError } from '../base/errors';
import type { ContainerRecord } from '../container/types';
import type { KubeEngine } from './engine-port';
import { KUBE_LABEL } from './labels';
import { bytesToMemory, nanoToCpu } from './quantity';
import { parsePublished } from './service-ports';

export type GeneratedObject = Record<string, unknown> & { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> } };

export interface GenerateResult {
  objects: GeneratedObject[];
  warnings: string[];
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** The user's labels that Kubernetes accepts (Berth's, compose's and image-spec ones are bookkeeping, not the app's). */
function podLabels(recs: ContainerRecord[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of recs) {
    for (const [k, v] of Object.entries(r.spec.labels)) {
      if (/^(io\.berth\.|com\.docker\.|org\.opencontainers\.)/.test(k) || !LABEL_KEY.test(k) || v.length > 63 || !LABEL_VALUE.test(v)) continue;
      out[k] = v;
    }
  }
  return out;
}

const secs = (ns: number | undefined, dflt: number) => Math.max(1, Math.round((ns ?? dflt * 1e9) / 1e9));

interface Ports {
  container: Array<Record<string, unknown>>;
  published: Array<{ containerPort: number; hostPort: number; protocol: string }>;
}

function portsOf(netOwner: ContainerRecord, withHostPorts: boolean): Ports {
  const container = new Map<string, Record<string, unknown>>();
  const published: Ports['published'] = [];
  const keys = new Set([...Object.keys(netOwner.spec.exposedPorts), ...Object.keys(netOwner.spec.host.portBindings)]);
  for (const key of keys) {
    const [port, proto = 'tcp'] = key.split('/');
    const p: Record<string, unknown> = { containerPort: Number(port), protocol: proto.toUpperCase() };
    for (const b of netOwner.spec.host.portBindings[key] ?? []) {
      if (!b.hostPort) continue;
      published.push({ containerPort: Number(port), hostPort: Number(b.hostPort.split('-')[0]), protocol: proto.toUpperCase() });
      if (withHostPorts) {
        p.hostPort = Number(b.hostPort.split('-')[0]);
        if (b.hostIp && b.hostIp !== '0.0.0.0') p.hostIP = b.hostIp;
      }
    }
    container.set(key, p);
  }
  // host ports the daemon proxies over a Service's pods (service-proxy.ts): published, never a hostPort of one pod
  for (const p of parsePublished(netOwner.spec.labels[KUBE_LABEL.publish])) {
    if (!container.has(`${p.target}/tcp`)) container.set(`${p.target}/tcp`, { containerPort: p.target, protocol: 'TCP' });
    published.push({ containerPort: p.target, hostPort: p.hostPort, protocol: 'TCP' });
  }
  return { container: [...container.values()], published };
}

function containerOf(r: ContainerRecord, volumes: Map<string, Record<string, unknown>>, ports: Array<Record<string, unknown>>, warn: (w: string) => void): Record<string, unknown> {
  const s = r.spec;
  const c: Record<string, unknown> = { name: kubeName(s.labels[KUBE_LABEL.container] || r.name), image: s.image };
  if (s.entrypoint && !(s.entrypoint.length === 1 && s.entrypoint[0] === '')) c.command = s.entrypoint;
  if (s.cmd) c.args = s.cmd;
  if (s.env.length) {
    c.env = s.env.map((e) => {
      const i = e.indexOf('=');
      return i < 0 ? { name: e, value: '' } : { name: e.slice(0, i), value: e.slice(i + 1) };
    });
  }
  if (s.workingDir) c.workingDir = s.workingDir;
  if (ports.length) c.ports = ports;
  if (s.tty) c.tty = true;
  if (s.openStdin) c.stdin = true;
  const h = s.host;
  const sec: Record<string, unknown> = {};
  if (s.user && /^\d+(:\d+)?$/.test(s.user)) {
    const [u, g] = s.user.split(':');
    sec.runAsUser = Number(u);
    if (g !== undefined) sec.runAsGroup = Number(g);
  } else if (s.user) warn(`container ${r.name}: user "${s.user}" is a name; Kubernetes takes numeric ids (runAsUser): left out`);
  if (h.privileged) sec.privileged = true;
  if (h.readonlyRootfs) sec.readOnlyRootFilesystem = true;
  if (h.capAdd.length || h.capDrop.length) sec.capabilities = { ...(h.capAdd.length ? { add: h.capAdd.map((x) => x.replace(/^CAP_/, '')) } : {}), ...(h.capDrop.length ? { drop: h.capDrop.map((x) => x.replace(/^CAP_/, '')) } : {}) };
  if (h.securityOpt.includes('no-new-privileges') || h.securityOpt.includes('no-new-privileges:true')) sec.allowPrivilegeEscalation = false;
  if (Object.keys(sec).length) c.securityContext = sec;
  const limits: Record<string, string> = {};
  const requests: Record<string, string> = {};
  if (h.memory > 0) limits.memory = bytesToMemory(h.memory);
  if (h.nanoCpus > 0) limits.cpu = nanoToCpu(h.nanoCpus);
  else if (h.cpuQuota > 0) limits.cpu = nanoToCpu(Math.round((h.cpuQuota / (h.cpuPeriod || 100000)) * 1e9));
  if (h.memoryReservation > 0) requests.memory = bytesToMemory(h.memoryReservation);
  if (Object.keys(limits).length || Object.keys(requests).length) c.resources = { ...(Object.keys(limits).length ? { limits } : {}), ...(Object.keys(requests).length ? { requests } : {}) };
  const hc = s.healthcheck;
  if (hc && hc.test.length && hc.test[0] !== 'NONE') {
    const command = hc.test[0] === 'CMD-SHELL' ? ['/bin/sh', '-c', hc.test.slice(1).join(' ')] : hc.test[0] === 'CMD' ? hc.test.slice(1) : hc.test;
    c.livenessProbe = { exec: { command }, periodSeconds: secs(hc.interval, 30), timeoutSeconds: secs(hc.timeout, 30), failureThreshold: hc.retries || 3, ...(hc.startPeriod ? { initialDelaySeconds: secs(hc.startPeriod, 0) } : {}) };
  }
  const mounts: Array<Record<string, unknown>> = [];
  for (const m of r.mountPoints ?? []) {
    let vol: Record<string, unknown>;
    if (m.type === 'volume' && !m.anonymous) vol = { name: kubeName(m.name), persistentVolumeClaim: { claimName: m.name } };
    else if (m.type === 'volume') vol = { name: kubeName(`${c.name as string}-${m.destination}`), emptyDir: {} };
    else if (m.type === 'tmpfs') vol = { name: kubeName(`${c.name as string}-${m.destination}`), emptyDir: { medium: 'Memory' } };
    else {
      warn(`container ${r.name}: bind mount ${m.source} becomes a hostPath, which exists only on the node that runs the pod`);
      vol = { name: kubeName(`host-${m.source}`), hostPath: { path: m.source } };
    }
    volumes.set(vol.name as string, vol);
    mounts.push({ name: vol.name, mountPath: m.destination, ...(m.rw ? {} : { readOnly: true }) });
  }
  if (mounts.length) c.volumeMounts = mounts;
  return c;
}

const RESTART: Record<string, string> = { always: 'Always', 'unless-stopped': 'Always', 'on-failure': 'OnFailure', no: 'Never', '': 'Never' };

export async function kubeGenerate(e: KubeEngine, refs: string[], opts: { service: boolean }): Promise<GenerateResult> {
  const warnings: string[] = [];
  const groups: Array<{ name: string; recs: ContainerRecord[]; init: ContainerRecord[]; netOwner: ContainerRecord }> = [];
  const plain: ContainerRecord[] = [];
  const queue = [...refs];
  for (const ref of queue) {
    try {
      const r = e.containers.resolve(ref);
      const pod = r.spec.labels[KUBE_LABEL.pod];
      if (!pod) {
        plain.push(r);
        continue;
      }
      warnings.push(`container ${r.name} belongs to pod ${pod}: generating the whole pod`);
      queue.push(pod);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      const members = await e.containers.list({ all: true, filters: { label: [`${KUBE_LABEL.pod}=${ref}`] } });
      if (!members.length) throw new NotFoundError('container or pod', ref, `no such container or pod: ${ref}`);
      if (groups.some((g) => g.name === ref)) continue;
      const recs = members.map((m) => e.containers.resolve(m.id)).sort((a, b) => a.created.localeCompare(b.created));
      const infra = recs.find((r) => r.spec.labels[KUBE_LABEL.role] === 'infra');
      const app = recs.filter((r) => r.spec.labels[KUBE_LABEL.role] === 'app');
      groups.push({ name: ref, recs: app, init: recs.filter((r) => r.spec.labels[KUBE_LABEL.role] === 'init'), netOwner: infra ?? app[0]! });
    }
  }
  if (plain.length) groups.push({ name: kubeName(`${plain[0]!.name}-pod`), recs: plain, init: [], netOwner: plain[0]! });
  const objects: GeneratedObject[] = [];
  for (const g of groups) {
    const own = podLabels(g.recs);
    const labels = Object.keys(own).length ? own : { app: g.name };
    const volumes = new Map<string, Record<string, unknown>>();
    // a played pod's ports are its infra container's (listed on its first container); plain containers keep their own
    const isPod = g.netOwner.spec.labels[KUBE_LABEL.role] === 'infra';
    const ports = g.recs.map((r, i) => (!isPod ? portsOf(r, !opts.service) : i === 0 ? portsOf(g.netOwner, !opts.service) : { container: [], published: [] }));
    const containers = g.recs.map((r, i) => containerOf(r, volumes, ports[i]!.container, (w) => warnings.push(w)));
    const podSpec: Record<string, unknown> = { containers };
    if (g.init.length) podSpec.initContainers = g.init.map((r) => containerOf(r, volumes, [], (w) => warnings.push(w)));
    if (volumes.size) podSpec.volumes = [...volumes.values()];
    podSpec.restartPolicy = RESTART[g.recs[0]!.spec.host.restartPolicy.name] ?? 'Never';
    if (g.netOwner.spec.host.networkMode === 'host') podSpec.hostNetwork = true;
    objects.push({ apiVersion: 'v1', kind: 'Pod', metadata: { name: g.name, labels }, spec: podSpec });
    if (!opts.service) continue;
    const published = ports.flatMap((p) => p.published);
    const exposed = ports.flatMap((p) => p.container);
    if (published.length) {
      const svcPorts = [...new Map(published.map((p) => [`${p.hostPort}/${p.protocol}`, { name: `${p.protocol.toLowerCase()}-${p.hostPort}`, port: p.hostPort, targetPort: p.containerPort, protocol: p.protocol }])).values()];
      objects.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: g.name, labels }, spec: { type: 'LoadBalancer', selector: labels, ports: svcPorts } });
    } else if (exposed.length) {
      const svcPorts = exposed.map((p) => ({ name: `${String(p.protocol).toLowerCase()}-${String(p.containerPort)}`, port: p.containerPort, targetPort: p.containerPort, protocol: p.protocol }));
      objects.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: g.name, labels }, spec: { selector: labels, ports: svcPorts } });
    } else warnings.push(`pod ${g.name}: no ports, so no Service`);
  }
  return { objects, warnings };
}

/**
 * Kubernetes objects → what Berth makes for them (pure; `play.ts` carries it out): per pod an
 * infra container that owns the network namespace (on the namespace's network, under the pod's
 * name and the names of the Services that select it, with the Services' node ports published),
 * and the pod's init and app containers joined to it (`container:<infra>` network and IPC).
 * ConfigMaps and Secrets become files in per-pod volumes and environment variables, PVCs named
 * volumes, probes healthchecks, resources cgroup limits.
 */
import { InvalidArgumentError } from '../base/errors';
import { defaultContainerSpec, type ContainerSpec, type MountSpec, type RestartPolicySpec } from '../container/spec';
import { infraName, KUBE_LABEL, namespaceNetwork, PAUSE_IMAGE } from './labels';
import type { K8sContainer, K8sObject, K8sPodSpec, K8sProbe, K8sSecurityContext, K8sVolume } from './manifest';
import { cpuToNano, cpuToShares, memoryToBytes } from './quantity';
import { formatPublished, formatRedirects, listenerKey, type Published, type Redirect } from './service-ports';

export interface FileContent {
  path: string;
  data: Buffer;
  mode: number;
}

/** A volume made for one pod (emptyDir, or a ConfigMap's/Secret's files). */
export interface PodVolume {
  name: string;
  files?: FileContent[];
}

/** A mount into a sub path of a volume: a bind of `<volume data>/<subPath>`, known once the volume exists. */
export interface SubPathMount {
  volume: string;
  subPath: string;
  target: string;
  readOnly: boolean;
}

export interface ContainerPlan {
  spec: ContainerSpec;
  subPathMounts: SubPathMount[];
  pullPolicy: 'Always' | 'IfNotPresent' | 'Never';
}

export interface PodPlan {
  name: string;
  owner: string;
  infra: ContainerSpec;
  init: ContainerPlan[];
  containers: ContainerPlan[];
  volumes: PodVolume[];
  /** hostPath volumes of type DirectoryOrCreate / FileOrCreate */
  hostPaths: Array<{ path: string; kind: 'dir' | 'file' }>;
}

export interface KubePlan {
  namespace: string;
  network: string;
  /** named volumes for claims (made unless they exist) */
  claims: string[];
  pods: PodPlan[];
  /** host ports the daemon's proxy spreads over the pods of a Service (target: per pod, in their labels) */
  listeners: Published[];
  warnings: string[];
}

type Data = Map<string, Map<string, Buffer>>;

const ns = (o: { metadata: { namespace?: string } }) => o.metadata.namespace || 'default';
const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function labelsFor(namespace: string, owner: string, pod: string, role: string, container: string, podLabels: Record<string, string>): Record<string, string> {
  return { ...podLabels, [KUBE_LABEL.namespace]: namespace, [KUBE_LABEL.owner]: owner, [KUBE_LABEL.pod]: pod, [KUBE_LABEL.role]: role, [KUBE_LABEL.container]: container };
}

/** Kubernetes' $(VAR) references in command, args and env values; $$ escapes. */
export function expandRefs(s: string, vars: Map<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => (name === undefined ? '$' : vars.get(name) ?? m));
}

function portNumber(c: K8sContainer[], p: number | string, what: string): number {
  if (typeof p === 'number') return p;
  if (/^\d+$/.test(p)) return Number(p);
  const found = c.flatMap((x) => x.ports ?? []).find((x) => x.name === p);
  if (!found) throw new InvalidArgumentError(`${what}: no container port named "${p}"`);
  return found.containerPort;
}

/** A probe as a Docker healthcheck: exec as CMD, httpGet through wget (or curl), tcpSocket through nc. */
export function probeToHealthcheck(p: K8sProbe, containers: K8sContainer[], what: string): ContainerSpec['healthcheck'] {
  let test: string[];
  if (p.exec) test = ['CMD', ...p.exec.command];
  else if (p.httpGet) {
    const port = portNumber(containers, p.httpGet.port, what);
    const url = `${(p.httpGet.scheme ?? 'HTTP').toLowerCase()}://${p.httpGet.host ?? '127.0.0.1'}:${port}${p.httpGet.path ?? '/'}`;
    test = ['CMD-SHELL', `wget -q -O /dev/null '${url}' || curl -fsk -o /dev/null '${url}'`];
  } else if (p.tcpSocket) test = ['CMD-SHELL', `nc -z ${p.tcpSocket.host ?? '127.0.0.1'} ${portNumber(containers, p.tcpSocket.port, what)}`];
  else throw new InvalidArgumentError(`${what}: only exec, httpGet and tcpSocket probes are supported`);
  const s = 1e9;
  return { test, interval: (p.periodSeconds ?? 10) * s, timeout: (p.timeoutSeconds ?? 1) * s, retries: p.failureThreshold ?? 3, ...(p.initialDelaySeconds ? { startPeriod: p.initialDelaySeconds * s } : {}) };
}

function restartPolicy(p: K8sPodSpec['restartPolicy'], deployment: boolean): RestartPolicySpec {
  if (deployment || !p || p === 'Always') return { name: 'always', maximumRetryCount: 0 };
  return { name: p === 'OnFailure' ? 'on-failure' : 'no', maximumRetryCount: 0 };
}

function keyData(data: Data, kind: 'configmap' | 'secret', name: string, key: string | undefined, optional: boolean | undefined, what: string): Map<string, Buffer> | Buffer | undefined {
  const m = data.get(`${kind}/${name}`);
  if (!m) {
    if (optional) return undefined;
    throw new InvalidArgumentError(`${what}: ${kind} "${name}" not found`);
  }
  if (key === undefined) return m;
  const v = m.get(key);
  if (v === undefined && !optional) throw new InvalidArgumentError(`${what}: couldn't find key ${key} in ${kind === 'configmap' ? 'ConfigMap' : 'Secret'} ${name}`);
  return v;
}

class PodPlanner {
  readonly warnings: string[] = [];
  constructor(
    private readonly namespace: string,
    private readonly data: Data,
  ) {}

  private env(c: K8sContainer, pod: string, podLabels: Record<string, string>, what: string): { env: string[]; vars: Map<string, string> } {
    const vars = new Map<string, string>();
    for (const from of c.envFrom ?? []) {
      const ref = from.configMapRef ? { kind: 'configmap' as const, ...from.configMapRef } : from.secretRef ? { kind: 'secret' as const, ...from.secretRef } : undefined;
      if (!ref) continue;
      const m = keyData(this.data, ref.kind, ref.name, undefined, ref.optional, what) as Map<string, Buffer> | undefined;
      for (const [k, v] of m ?? []) vars.set(`${from.prefix ?? ''}${k}`, v.toString('utf8'));
    }
    for (const e of c.env ?? []) {
      if (e.valueFrom) {
        const vf = e.valueFrom;
        if (vf.configMapKeyRef || vf.secretKeyRef) {
          const r = (vf.configMapKeyRef ?? vf.secretKeyRef)!;
          const v = keyData(this.data, vf.configMapKeyRef ? 'configmap' : 'secret', r.name ?? '', r.key, r.optional, `${what} env ${e.name}`) as Buffer | undefined;
          if (v !== undefined) vars.set(e.name, v.toString('utf8'));
        } else if (vf.fieldRef) {
          const f = vf.fieldRef.fieldPath;
          const label = /^metadata\.labels\['(.+)'\]$/.exec(f)?.[1];
          const v = f === 'metadata.name' ? pod : f === 'metadata.namespace' ? this.namespace : label !== undefined ? podLabels[label] : undefined;
          if (v === undefined) this.warnings.push(`${what}: env ${e.name}: fieldRef ${f} is not supported: unset`);
          else vars.set(e.name, v);
        } else this.warnings.push(`${what}: env ${e.name}: valueFrom.resourceFieldRef is not supported: unset`);
      } else vars.set(e.name, expandRefs(e.value ?? '', vars));
    }
    return { env: [...vars].map(([k, v]) => `${k}=${v}`), vars };
  }

  /** One container of the pod as a ContainerSpec joined to the infra container. */
  container(c: K8sContainer, spec: K8sPodSpec, pod: string, owner: string, role: 'init' | 'app', podLabels: Record<string, string>, deployment: boolean): ContainerPlan {
    const what = `pod ${pod}: container ${c.name}`;
    if (!c.image) throw new InvalidArgumentError(`${what}: image is required`);
    const s = defaultContainerSpec(c.image);
    s.name = `${pod}-${c.name}`;
    s.hostname = spec.hostname ?? pod; // the pod's hostname, as its infra container's
    s.labels = labelsFor(this.namespace, owner, pod, role, c.name, podLabels);
    const { env, vars } = this.env(c, pod, podLabels, what);
    s.env = env;
    // Kubernetes' command replaces the image's ENTRYPOINT and args its CMD; a command alone drops the image's CMD (Docker's rule too)
    if (c.command) s.entrypoint = c.command.map((x) => expandRefs(x, vars));
    if (c.args) s.cmd = c.args.map((x) => expandRefs(x, vars));
    if (c.workingDir) s.workingDir = c.workingDir;
    if (spec.terminationGracePeriodSeconds !== undefined) s.stopTimeout = spec.terminationGracePeriodSeconds;
    s.tty = c.tty ?? false;
    s.openStdin = c.stdin ?? false;
    const h = s.host;
    const infra = infraName(pod);
    h.networkMode = `container:${infra}`;
    h.ipcMode = `container:${infra}`;
    h.restartPolicy = role === 'init' ? { name: 'no', maximumRetryCount: 0 } : restartPolicy(spec.restartPolicy, deployment);
    this.security(s, { ...spec.securityContext, ...c.securityContext }, what);
    const limits = c.resources?.limits ?? {};
    const requests = c.resources?.requests ?? {};
    for (const [k, v] of Object.entries(limits)) {
      if (k === 'memory') h.memory = memoryToBytes(v);
      else if (k === 'cpu') h.nanoCpus = cpuToNano(v);
      else this.warnings.push(`${what}: resources.limits.${k} is not supported: ignored`);
    }
    for (const [k, v] of Object.entries(requests)) {
      if (k === 'memory') h.memoryReservation = memoryToBytes(v);
      else if (k === 'cpu') h.cpuShares = cpuToShares(v);
      else this.warnings.push(`${what}: resources.requests.${k} is not supported: ignored`);
    }
    const probes = [c.readinessProbe, c.livenessProbe, c.startupProbe].filter((p): p is K8sProbe => !!p);
    if (probes.length && role === 'app') {
      s.healthcheck = probeToHealthcheck(probes[0]!, spec.containers, what);
      if (new Set(probes.map((p) => JSON.stringify(p))).size > 1) this.warnings.push(`${what}: a container has one healthcheck: the ${c.readinessProbe ? 'readiness' : 'liveness'} probe is used`);
      if (c.livenessProbe) this.warnings.push(`${what}: livenessProbe: an unhealthy container is reported (health_status), not restarted`);
    }
    const subPathMounts: SubPathMount[] = [];
    for (const m of c.volumeMounts ?? []) {
      const v = (spec.volumes ?? []).find((x) => x.name === m.name);
      if (!v) throw new InvalidArgumentError(`${what}: volumeMounts: volume "${m.name}" not found in the pod's volumes`);
      const mount = this.mount(v, pod, what);
      if (!mount) continue;
      const readOnly = !!m.readOnly || mount.readOnly;
      if (m.subPath) {
        if (mount.type === 'bind') h.mounts.push({ type: 'bind', source: `${mount.source.replace(/\/$/, '')}/${m.subPath}`, target: m.mountPath, readOnly });
        else if (mount.type === 'volume') subPathMounts.push({ volume: mount.source, subPath: m.subPath, target: m.mountPath, readOnly });
        else this.warnings.push(`${what}: subPath on a memory emptyDir is not supported: ignored`);
      } else h.mounts.push({ ...mount, target: m.mountPath, readOnly });
    }
    return { spec: s, subPathMounts, pullPolicy: c.imagePullPolicy ?? 'IfNotPresent' };
  }

  private security(s: ContainerSpec, sc: K8sSecurityContext, what: string): void {
    if (sc.runAsUser !== undefined) s.user = sc.runAsGroup !== undefined ? `${sc.runAsUser}:${sc.runAsGroup}` : String(sc.runAsUser);
    else if (sc.runAsGroup !== undefined) this.warnings.push(`${what}: runAsGroup without runAsUser is not supported: ignored`);
    if (sc.runAsNonRoot && sc.runAsUser === 0) throw new InvalidArgumentError(`${what}: runAsNonRoot and runAsUser 0 contradict each other`);
    const h = s.host;
    h.privileged = sc.privileged ?? false;
    h.readonlyRootfs = sc.readOnlyRootFilesystem ?? false;
    h.capAdd = sc.capabilities?.add ?? [];
    h.capDrop = sc.capabilities?.drop ?? [];
    if (sc.allowPrivilegeEscalation === false) h.securityOpt.push('no-new-privileges');
    h.groupAdd = (sc.supplementalGroups ?? []).map(String);
    for (const x of sc.sysctls ?? []) h.sysctls[x.name] = x.value;
  }

  /** A pod volume as the mount its containers get (target filled in by the caller). */
  private mount(v: K8sVolume, pod: string, what: string): Omit<MountSpec, 'target'> | undefined {
    if (v.persistentVolumeClaim) return { type: 'volume', source: v.persistentVolumeClaim.claimName, readOnly: !!v.persistentVolumeClaim.readOnly };
    if (v.emptyDir?.medium === 'Memory') {
      return { type: 'tmpfs', source: '', readOnly: false, ...(v.emptyDir.sizeLimit !== undefined ? { options: [`size=${memoryToBytes(v.emptyDir.sizeLimit)}`] } : {}) };
    }
    if (v.emptyDir || v.configMap || v.secret) return { type: 'volume', source: `${pod}-${v.name}`, readOnly: !v.emptyDir };
    if (v.hostPath) return { type: 'bind', source: v.hostPath.path, readOnly: false };
    this.warnings.push(`${what}: volume ${v.name}: only persistentVolumeClaim, emptyDir, configMap, secret and hostPath volumes are supported: not mounted`);
    return undefined;
  }

  /** The files of a ConfigMap/Secret volume (all keys, or the items chosen). */
  files(v: K8sVolume, what: string): FileContent[] | undefined {
    const src = v.configMap ? { kind: 'configmap' as const, ...v.configMap } : v.secret ? { kind: 'secret' as const, name: v.secret.secretName, ...v.secret } : undefined;
    if (!src) return undefined;
    const m = keyData(this.data, src.kind, src.name, undefined, src.optional, `${what}: volume ${v.name}`) as Map<string, Buffer> | undefined;
    if (!m) return [];
    const mode = src.defaultMode ?? 0o644;
    const items = src.items ?? [...m.keys()].map((key) => ({ key, path: key, mode: undefined as number | undefined }));
    return items.flatMap((it) => {
      const data = m.get(it.key);
      if (data === undefined) {
        if (src.optional) return [];
        throw new InvalidArgumentError(`${what}: volume ${v.name}: couldn't find key ${it.key} in ${src.kind === 'configmap' ? 'ConfigMap' : 'Secret'} ${src.name}`);
      }
      if (it.path.split('/').some((p) => p === '..' || p === '') || it.path.startsWith('/')) throw new InvalidArgumentError(`${what}: volume ${v.name}: invalid item path "${it.path}"`);
      return [{ path: it.path, data, mode: it.mode ?? mode }];
    });
  }
}

/** ConfigMaps' and Secrets' data by "configmap/<name>" and "secret/<name>". */
function collectData(objects: K8sObject[]): Data {
  const data: Data = new Map();
  for (const o of objects) {
    if (o.kind === 'ConfigMap') {
      const m = new Map<string, Buffer>();
      for (const [k, v] of Object.entries(o.data ?? {})) m.set(k, Buffer.from(String(v), 'utf8'));
      for (const [k, v] of Object.entries(o.binaryData ?? {})) m.set(k, Buffer.from(v, 'base64'));
      data.set(`configmap/${o.metadata.name}`, m);
    } else if (o.kind === 'Secret') {
      const m = new Map<string, Buffer>();
      for (const [k, v] of Object.entries(o.data ?? {})) m.set(k, Buffer.from(v, 'base64'));
      for (const [k, v] of Object.entries(o.stringData ?? {})) m.set(k, Buffer.from(String(v), 'utf8'));
      data.set(`secret/${o.metadata.name}`, m);
    }
  }
  return data;
}

const selects = (selector: Record<string, string> | undefined, labels: Record<string, string>) =>
  !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

export function planKube(objects: K8sObject[], parseWarnings: string[] = []): KubePlan {
  const namespaces = new Set(objects.map(ns));
  if (namespaces.size > 1) throw new InvalidArgumentError(`objects in more than one namespace (${[...namespaces].join(', ')}): play one namespace at a time`);
  const namespace = [...namespaces][0] ?? 'default';
  const data = collectData(objects);
  const planner = new PodPlanner(namespace, data);
  const warnings = [...parseWarnings];
  // the pods to make, with their labels (Deployments: replicas × the template)
  const pods: Array<{ name: string; owner: string; labels: Record<string, string>; spec: K8sPodSpec; deployment: boolean }> = [];
  for (const o of objects) {
    if (o.kind === 'Pod') pods.push({ name: o.metadata.name, owner: `Pod/${o.metadata.name}`, labels: o.metadata.labels ?? {}, spec: o.spec, deployment: false });
    else if (o.kind === 'Deployment') {
      const labels = o.spec.template.metadata?.labels ?? {};
      const sel = o.spec.selector?.matchLabels;
      if (!sel || !selects(sel, labels)) throw new InvalidArgumentError(`Deployment ${o.metadata.name}: spec.selector.matchLabels must be given and match spec.template.metadata.labels`);
      const n = o.spec.replicas ?? 1;
      if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`Deployment ${o.metadata.name}: spec.replicas must be a non-negative integer`);
      for (let i = 1; i <= n; i++) pods.push({ name: `${o.metadata.name}-${i}`, owner: `Deployment/${o.metadata.name}`, labels, spec: o.spec.template.spec, deployment: true });
    }
  }
  const seen = new Set<string>();
  for (const p of pods) {
    if (!DNS1123.test(p.name) || p.name.length > 63) throw new InvalidArgumentError(`pod name "${p.name}" is not a DNS-1123 label`);
    if (seen.has(p.name)) throw new InvalidArgumentError(`pod "${p.name}" is defined twice`);
    seen.add(p.name);
  }
  const infraSpecs = new Map<string, ContainerSpec>();
  const network = namespaceNetwork(namespace);
  const claims = new Set<string>(objects.filter((o) => o.kind === 'PersistentVolumeClaim').map((o) => o.metadata.name));
  const out: PodPlan[] = [];
  for (const p of pods) {
    const infra = defaultContainerSpec(PAUSE_IMAGE);
    infra.name = infraName(p.name);
    infra.hostname = p.spec.hostname ?? p.name;
    infra.labels = labelsFor(namespace, p.owner, p.name, 'infra', '', p.labels);
    infra.host.restartPolicy = restartPolicy(p.spec.restartPolicy, p.deployment);
    infra.host.ipcMode = 'shareable';
    if (p.spec.hostNetwork) infra.host.networkMode = 'host';
    else {
      infra.host.networkMode = network;
      infra.networks = { [network]: { aliases: [p.name] } };
    }
    infra.host.extraHosts = (p.spec.hostAliases ?? []).flatMap((a) => a.hostnames.map((n) => `${n}:${a.ip}`));
    infra.host.dns = p.spec.dnsConfig?.nameservers ?? [];
    infra.host.dnsSearch = p.spec.dnsConfig?.searches ?? [];
    infra.host.dnsOptions = (p.spec.dnsConfig?.options ?? []).map((o) => (o.value === undefined ? o.name : `${o.name}:${o.value}`));
    if (p.spec.terminationGracePeriodSeconds !== undefined) infra.stopTimeout = p.spec.terminationGracePeriodSeconds;
    for (const c of [...p.spec.containers, ...(p.spec.initContainers ?? [])]) {
      for (const port of c.ports ?? []) {
        if (!port.hostPort) continue;
        const key = `${port.containerPort}/${(port.protocol ?? 'TCP').toLowerCase()}`;
        infra.exposedPorts[key] = {};
        (infra.host.portBindings[key] ??= []).push({ hostIp: port.hostIP ?? '', hostPort: String(port.hostPort) });
      }
    }
    infraSpecs.set(p.name, infra);
    const volumes: PodVolume[] = [];
    const hostPaths: PodPlan['hostPaths'] = [];
    for (const v of p.spec.volumes ?? []) {
      if (v.persistentVolumeClaim) claims.add(v.persistentVolumeClaim.claimName);
      else if (v.emptyDir && v.emptyDir.medium !== 'Memory') volumes.push({ name: `${p.name}-${v.name}` });
      else if (v.configMap || v.secret) volumes.push({ name: `${p.name}-${v.name}`, files: planner.files(v, `pod ${p.name}`) });
      else if (v.hostPath?.type === 'DirectoryOrCreate' || v.hostPath?.type === 'FileOrCreate') hostPaths.push({ path: v.hostPath.path, kind: v.hostPath.type === 'FileOrCreate' ? 'file' : 'dir' });
    }
    if (!p.spec.containers?.length) throw new InvalidArgumentError(`pod ${p.name}: spec.containers must have at least one container`);
    const names = new Set<string>();
    for (const c of [...p.spec.containers, ...(p.spec.initContainers ?? [])]) {
      if (!c.name || !DNS1123.test(c.name)) throw new InvalidArgumentError(`pod ${p.name}: container name "${c.name ?? ''}" is not a DNS-1123 label`);
      if (names.has(c.name)) throw new InvalidArgumentError(`pod ${p.name}: container name "${c.name}" is used twice`);
      names.add(c.name);
    }
    out.push({
      name: p.name,
      owner: p.owner,
      infra,
      init: (p.spec.initContainers ?? []).map((c) => planner.container(c, p.spec, p.name, p.owner, 'init', p.labels, p.deployment)),
      containers: p.spec.containers.map((c) => planner.container(c, p.spec, p.name, p.owner, 'app', p.labels, p.deployment)),
      volumes,
      hostPaths,
    });
  }
  // Services: their names are DNS aliases of the pods they select; a port that differs from its targetPort is
  // redirected in each pod's network namespace; node ports go to the one pod selected, or through the daemon's
  // proxy when there are more (TCP; UDP reaches the first pod only)
  const redirects = new Map<string, Redirect[]>();
  const published = new Map<string, Published[]>();
  const listeners = new Map<string, Published>();
  for (const o of objects) {
    if (o.kind !== 'Service') continue;
    const svc = o.metadata.name;
    const selected = pods.filter((p) => selects(o.spec.selector, p.labels));
    if (!o.spec.selector) warnings.push(`Service ${svc}: no selector: it reaches no pod`);
    for (const p of selected) {
      const infra = infraSpecs.get(p.name)!;
      const ep = infra.networks[network];
      if (ep && !ep.aliases.includes(svc)) ep.aliases.push(svc);
    }
    const type = o.spec.type ?? 'ClusterIP';
    if (type === 'ExternalName') warnings.push(`Service ${svc}: type ExternalName is not supported: ignored`);
    for (const port of o.spec.ports ?? []) {
      const protocol = (port.protocol ?? 'TCP').toLowerCase();
      // a named targetPort is each pod's own container port of that name
      const targets = selected.map((p) => portNumber([...p.spec.containers, ...(p.spec.initContainers ?? [])], port.targetPort ?? port.port, `Service ${svc}: pod ${p.name}`));
      selected.forEach((p, i) => {
        const target = targets[i]!;
        if (target === port.port) return;
        if (protocol !== 'tcp' && protocol !== 'udp') {
          warnings.push(`Service ${svc}: port ${port.port}/${protocol} → targetPort ${target}: only TCP and UDP ports are redirected; peers dial ${target}`);
          return;
        }
        const list = redirects.get(p.name) ?? [];
        const taken = list.find((r) => r.port === port.port && r.protocol === protocol);
        if (taken && taken.target !== target) warnings.push(`Service ${svc}: pod ${p.name} already sends port ${port.port}/${protocol} to ${taken.target} (another Service): ${target} is not reached through it`);
        else if (!taken) list.push({ port: port.port, target, protocol });
        redirects.set(p.name, list);
      });
      if (type !== 'NodePort' && type !== 'LoadBalancer') continue;
      if (!selected.length) continue;
      const hostPort = type === 'NodePort' ? port.nodePort ?? port.port : port.port;
      if (selected.length > 1 && protocol === 'tcp') {
        const entry = { hostIp: '', hostPort, protocol: 'tcp' as const };
        if (listeners.has(listenerKey(entry))) throw new InvalidArgumentError(`Service ${svc}: host port ${hostPort} is published twice`);
        listeners.set(listenerKey(entry), { ...entry, target: 0 });
        selected.forEach((p, i) => published.set(p.name, [...(published.get(p.name) ?? []), { ...entry, target: targets[i]! }]));
        continue;
      }
      const first = selected[0]!;
      const key = `${targets[0]!}/${protocol}`;
      const infra = infraSpecs.get(first.name)!;
      infra.exposedPorts[key] = {};
      (infra.host.portBindings[key] ??= []).push({ hostIp: '', hostPort: String(hostPort) });
      if (selected.length > 1) warnings.push(`Service ${svc}: host port ${hostPort}/${protocol} reaches pod ${first.name} only (the daemon balances TCP ports only; the service name resolves to all ${selected.length} pods)`);
    }
  }
  for (const [pod, rs] of redirects) infraSpecs.get(pod)!.labels[KUBE_LABEL.redirects] = formatRedirects(rs);
  for (const [pod, ps] of published) infraSpecs.get(pod)!.labels[KUBE_LABEL.publish] = formatPublished(ps);
  warnings.push(...planner.warnings);
  return { namespace, network, claims: [...claims], pods: out, listeners: [...listeners.values()], warnings };
}


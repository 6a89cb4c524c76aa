/**
 * `kube play`: a plan carried out through the engine's services, as `docker run` would make each
 * part. Everything is checked first (objects, references, images); then the namespace network,
 * claims, and the pods side by side (infra container, init containers one after another to
 * completion, then the app containers). A failure removes what this play made before it is reported.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ConflictError, InvalidArgumentError, NotFoundError, FailedPreconditionError } from '../base/errors';
import type { ContainerSpec } from '../container/spec';
import type { KubeEngine } from './engine-port';
import { KUBE_LABEL } from './labels';
import { ensurePauseImage } from './pause-image';
import type { ContainerPlan, KubePlan, PodPlan } from './plan';
import { applyRedirects } from './port-redirect';
import { parseRedirects } from './service-ports';
import type { ServiceProxies } from './service-proxy';

export interface PlayResult {
  namespace: string;
  network: string;
  pods: Array<{ name: string; infraId: string; containerIds: string[]; initContainerIds: string[] }>;
  volumes: string[];
  warnings: string[];
}

const exists = async (f: () => Promise<unknown>): Promise<boolean> => {
  try {
    await f();
    return true;
  } catch (e) {
    if (e instanceof NotFoundError) return false;
    throw e;
  }
};

async function ensureImages(e: KubeEngine, plan: KubePlan): Promise<void> {
  await ensurePauseImage(e.images);
  const wanted = new Map<string, ContainerPlan['pullPolicy']>();
  for (const c of plan.pods.flatMap((p) => [...p.init, ...p.containers])) if (wanted.get(c.spec.image) !== 'Always') wanted.set(c.spec.image, c.pullPolicy);
  for (const [image, policy] of wanted) {
    const present = await exists(() => e.images.resolve(image));
    if (policy === 'Never' && !present) throw new FailedPreconditionError(`container image "${image}" is not present with pull policy of Never`);
    if (policy === 'Always' || !present) await e.images.pull(image, { onProgress: () => undefined });
  }
}

export async function kubePlay(e: KubeEngine, plan: KubePlan, proxies: ServiceProxies): Promise<PlayResult> {
  for (const p of plan.pods) {
    for (const name of [p.infra.name!, ...[...p.init, ...p.containers].map((c) => c.spec.name!)]) {
      if (await exists(async () => e.containers.resolve(name))) throw new ConflictError(`pod ${p.name}: the container name "${name}" is already in use: kube down the objects first, or play with --replace`);
    }
  }
  await ensureImages(e, plan);
  const result: PlayResult = { namespace: plan.namespace, network: plan.network, pods: [], volumes: [], warnings: plan.warnings };
  let createdNetwork = false;
  try {
    if (plan.pods.some((p) => p.infra.host.networkMode === plan.network) && !(await exists(() => e.networks.inspect(plan.network)))) {
      createdNetwork = true;
      await e.networks.create({ name: plan.network, driver: 'bridge', labels: { [KUBE_LABEL.namespace]: plan.namespace } });
    }
    for (const claim of plan.claims) {
      if (await exists(() => e.volumes.inspect(claim))) continue;
      await e.volumes.create({ name: claim, labels: { [KUBE_LABEL.namespace]: plan.namespace, [KUBE_LABEL.owner]: `PersistentVolumeClaim/${claim}` } });
      result.volumes.push(claim);
    }
    await proxies.open(plan.listeners);
    for (const h of plan.pods.flatMap((p) => p.hostPaths)) {
      if (h.kind === 'dir') await fs.mkdir(h.path, { recursive: true });
      else {
        await fs.mkdir(path.dirname(h.path), { recursive: true });
        await (await fs.open(h.path, 'a')).close();
      }
    }
    const settled = await Promise.allSettled(plan.pods.map((p) => podUp(e, plan, p, result)));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    result.pods.sort((a, b) => a.name.localeCompare(b.name));
    return result;
  } catch (err) {
    await rollback(e, result, createdNetwork).catch(() => undefined);
    await proxies.sync().catch(() => undefined);
    throw err;
  }
}

/** Removes exactly what this play made (a claim or network that was there before stays). */
async function rollback(e: KubeEngine, r: PlayResult, network: boolean): Promise<void> {
  const gone = (x: unknown) => {
    if (!(x instanceof NotFoundError)) throw x;
  };
  for (const p of r.pods) {
    for (const id of [...p.containerIds, ...p.initContainerIds, p.infraId]) await e.containers.remove(id, { force: true }).catch(gone);
  }
  for (const v of r.volumes) await e.volumes.remove(v).catch(gone);
  if (network) await e.networks.remove(r.network).catch(gone);
}

async function podUp(e: KubeEngine, plan: KubePlan, p: PodPlan, result: PlayResult): Promise<void> {
  for (const v of p.volumes) {
    if (await exists(() => e.volumes.inspect(v.name))) throw new ConflictError(`pod ${p.name}: volume ${v.name} already exists`);
    const info = await e.volumes.create({ name: v.name, labels: { [KUBE_LABEL.namespace]: plan.namespace, [KUBE_LABEL.owner]: p.owner, [KUBE_LABEL.pod]: p.name } });
    result.volumes.push(v.name);
    for (const f of v.files ?? []) {
      const dst = path.join(info.mountpoint, f.path);
      await fs.mkdir(path.dirname(dst), { recursive: true });
      await fs.writeFile(dst, f.data, { mode: f.mode });
      await fs.chmod(dst, f.mode);
    }
  }
  const infra = await e.containers.create(p.infra);
  const pod = { name: p.name, infraId: infra.id, containerIds: [] as string[], initContainerIds: [] as string[] };
  result.pods.push(pod);
  await e.containers.start(infra.id);
  await redirectPorts(e, infra.id);
  for (const c of p.init) {
    const { id } = await e.containers.create(await withSubPaths(e, c));
    pod.initContainerIds.push(id);
    await e.containers.start(id);
    const { statusCode } = await e.containers.wait(id, { condition: 'not-running' });
    if (statusCode !== 0) throw new FailedPreconditionError(`pod ${p.name}: init container ${c.spec.labels[KUBE_LABEL.container]} exited with ${statusCode}`);
  }
  for (const c of p.containers) pod.containerIds.push((await e.containers.create(await withSubPaths(e, c))).id);
  for (const id of pod.containerIds) await e.containers.start(id);
}

/** subPath mounts as binds of the directory (or file) inside the volume, made when missing as the kubelet does. */
async function withSubPaths(e: KubeEngine, c: ContainerPlan): Promise<ContainerSpec> {
  if (!c.subPathMounts.length) return c.spec;
  const spec: ContainerSpec = { ...c.spec, host: { ...c.spec.host, mounts: [...c.spec.host.mounts] } };
  for (const m of c.subPathMounts) {
    const root = (await e.volumes.inspect(m.volume)).mountpoint; // claims and pod volumes exist by now
    const source = path.resolve(root, m.subPath);
    if (!source.startsWith(`${root}/`)) throw new InvalidArgumentError(`subPath "${m.subPath}" leaves the volume ${m.volume}`);
    if (!(await fs.lstat(source).catch(() => undefined))) await fs.mkdir(source, { recursive: true });
    spec.host.mounts.push({ type: 'bind', source, target: m.target, readOnly: m.readOnly });
  }
  return spec;
}

/** The Services' port → targetPort redirects of a pod, into its infra container's network namespace (again at each start). */
export async function redirectPorts(e: KubeEngine, infraId: string): Promise<void> {
  const rec = e.containers.resolve(infraId);
  const rs = parseRedirects(rec.spec.labels[KUBE_LABEL.redirects]);
  if (rs.length && rec.state.pid > 0) await applyRedirects(rec.state.pid, rs);
}

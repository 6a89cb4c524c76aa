/**
 * `kube down`: what a play of the same objects made, found by its labels: the pods' containers
 * (stopped together, each with its grace period, then removed), the volumes of the pods and claims,
 * and the namespace network once nothing is left on it. What Berth did not make stays.
 */
import { NotFoundError } from '../base/errors';
import type { KubeEngine } from './engine-port';
import { KUBE_LABEL, namespaceNetwork } from './labels';
import type { K8sObject } from './manifest';

export interface DownResult {
  pods: string[];
  containers: string[];
  volumes: string[];
  network?: string;
}

/** The owner labels a play of these objects puts on what it makes. */
export function ownersOf(objects: K8sObject[]): { namespace: string; owners: Set<string> } {
  const owners = new Set<string>();
  for (const o of objects) {
    if (o.kind === 'Pod' || o.kind === 'Deployment' || o.kind === 'PersistentVolumeClaim') owners.add(`${o.kind}/${o.metadata.name}`);
    const spec = o.kind === 'Pod' ? o.spec : o.kind === 'Deployment' ? o.spec.template.spec : undefined;
    for (const v of spec?.volumes ?? []) if (v.persistentVolumeClaim) owners.add(`PersistentVolumeClaim/${v.persistentVolumeClaim.claimName}`);
  }
  return { namespace: objects[0]?.metadata.namespace || 'default', owners };
}

const ignoreNotFound = (e: unknown) => {
  if (!(e instanceof NotFoundError)) throw e;
};

export async function kubeDown(e: KubeEngine, namespace: string, owners: Set<string>): Promise<DownResult> {
  const mine = (labels: Record<string, string>) => labels[KUBE_LABEL.namespace] === namespace && owners.has(labels[KUBE_LABEL.owner] ?? '');
  const all = (await e.containers.list({ all: true, filters: { label: [`${KUBE_LABEL.namespace}=${namespace}`] } })).filter((c) => mine(c.labels));
  const running = all.filter((c) => c.state === 'running' || c.state === 'paused' || c.state === 'restarting');
  // app containers first, so none outlives the namespace it joined
  const isInfra = (c: { labels: Record<string, string> }) => c.labels[KUBE_LABEL.role] === 'infra';
  await Promise.all(running.filter((c) => !isInfra(c)).map((c) => e.containers.stop(c.id).catch(ignoreNotFound)));
  await Promise.all(running.filter(isInfra).map((c) => e.containers.stop(c.id).catch(ignoreNotFound)));
  await Promise.all(all.filter((x) => !isInfra(x)).map((c) => e.containers.remove(c.id, { force: true }).catch(ignoreNotFound)));
  await Promise.all(all.filter(isInfra).map((c) => e.containers.remove(c.id, { force: true }).catch(ignoreNotFound)));
  const volumes = (await e.volumes.list({ label: [`${KUBE_LABEL.namespace}=${namespace}`] })).filter((v) => mine(v.labels));
  for (const v of volumes) await e.volumes.remove(v.name).catch(ignoreNotFound);
  const result: DownResult = {
    pods: [...new Set(all.map((c) => c.labels[KUBE_LABEL.pod] ?? ''))].filter(Boolean),
    containers: all.map((c) => c.names[0]?.replace(/^\//, '') ?? c.id),
    volumes: volumes.map((v) => v.name),
  };
  const net = await e.networks.inspect(namespaceNetwork(namespace)).catch((err: unknown) => (err instanceof NotFoundError ? undefined : Promise.reject(err)));
  if (net && net.network.labels[KUBE_LABEL.namespace] === namespace && net.endpoints.length === 0) {
    await e.networks.remove(net.network.id).catch(ignoreNotFound);
    result.network = net.network.name;
  }
  return result;
}

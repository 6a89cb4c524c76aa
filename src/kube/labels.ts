/** Labels that mark what a `kube play` made, so `kube down` and `kube generate` find it again. */
export const KUBE_LABEL = {
  namespace: 'io.berth.kube.namespace',
  /** the object that asked for it: "Deployment/web", "Pod/db", "PersistentVolumeClaim/data" */
  owner: 'io.berth.kube.owner',
  pod: 'io.berth.kube.pod',
  /** infra | init | app */
  role: 'io.berth.kube.role',
  /** the container's name in the pod spec */
  container: 'io.berth.kube.container',
} as const;

/** The image of pods' infra containers, made on the machine from the host's catatonit. */
export const PAUSE_IMAGE = 'localhost/berth-pause:1';

/** One bridge network per namespace: peers resolve Services by name on it, as in a cluster namespace. */
export const namespaceNetwork = (ns: string): string => `kube-${ns}`;
export const infraName = (pod: string): string => `${pod}-infra`;

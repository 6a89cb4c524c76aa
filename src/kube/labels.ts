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
  /** on an infra container: its Services' ports that differ from their targetPorts ("80>8080/tcp,..."), see port-redirect.ts */
  redirects: 'io.berth.kube.redirects',
  /** on an infra container: host ports the daemon's proxy spreads over the selected pods ("0.0.0.0:9000>8080/tcp,..."), see service-proxy.ts */
  publish: 'io.berth.kube.publish',
} as const;

/** The image of pods' infra containers, made on the machine from the host's catatonit. */
export const PAUSE_IMAGE = 'localhost/berth-pause:1';

/** One bridge network per namespace: peers resolve Services by name on it, as in a cluster namespace. */
export const namespaceNetwork = (ns: string): string => `kube-${ns}`;
export const infraName = (pod: string): string => `${pod}-infra`;

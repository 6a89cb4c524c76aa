/** Kubernetes objects as one YAML stream (`compose kube`, `kube generate`). */
import { stringify } from 'yaml';

export function kubeYaml(objects: object[]): string {
  return objects.map((o) => stringify(o, { aliasDuplicateObjects: false })).join('---\n');
}

/** DNS-1123 label: what Kubernetes accepts as an object name (compose kube and kube generate name objects with it). */
export function kubeName(s: string): string {
  const n = s.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
  return n || 'x';
}

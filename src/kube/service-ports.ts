/**
 * The label values that carry a pod's Service ports (pure): `port>targetPort/proto` entries for the
 * redirects in the pod's network namespace, `hostIp:hostPort>targetPort/proto` entries for host ports
 * the daemon proxies over replicas. Kept on the infra container, so a restarted daemon, a restarted
 * pod and `kube generate` find them again without any other state.
 */
export interface Redirect {
  port: number;
  target: number;
  protocol: 'tcp' | 'udp';
}

export interface Published {
  hostIp: string;
  hostPort: number;
  target: number;
  protocol: 'tcp';
}

const REDIRECT = /^(\d+)>(\d+)\/(tcp|udp)$/;
const PUBLISH = /^([0-9.]*|\[[0-9a-f:]*\]):(\d+)>(\d+)\/(tcp)$/;

export const formatRedirects = (rs: Redirect[]): string => rs.map((r) => `${r.port}>${r.target}/${r.protocol}`).join(',');
export const formatPublished = (ps: Published[]): string => ps.map((p) => `${p.hostIp.includes(':') ? `[${p.hostIp}]` : p.hostIp}:${p.hostPort}>${p.target}/${p.protocol}`).join(',');

export function parseRedirects(v: string | undefined): Redirect[] {
  return (v ?? '').split(',').flatMap((x) => {
    const m = REDIRECT.exec(x);
    return m ? [{ port: Number(m[1]), target: Number(m[2]), protocol: m[3] as Redirect['protocol'] }] : [];
  });
}

export function parsePublished(v: string | undefined): Published[] {
  return (v ?? '').split(',').flatMap((x) => {
    const m = PUBLISH.exec(x);
    return m ? [{ hostIp: m[1]!.replace(/^\[|\]$/g, ''), hostPort: Number(m[2]), target: Number(m[3]), protocol: 'tcp' as const }] : [];
  });
}

/** One listener per host address and port. */
export const listenerKey = (p: { hostIp: string; hostPort: number }): string => `${p.hostIp || '0.0.0.0'}:${p.hostPort}`;

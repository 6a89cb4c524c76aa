/**
 * A Service's `port` → `targetPort` inside the pod: peers resolve the service name to the pod's
 * address (aardvark) and dial `port`; an nftables table in the pod's own network namespace redirects
 * that port to `targetPort` as the packets come in. Only the pod's namespace is touched, so no host
 * chain is shared with netavark or another daemon, and the rules go when the namespace goes.
 * Chosen over a per-service address with a proxy: a bridge network has no address to give a Service,
 * and aardvark already answers the name with every selected pod.
 */
import { run } from '../platform/spawn';
import type { Redirect } from './service-ports';

const TABLE = 'berth_kube_services';

/** The nft script: the table made anew in one transaction (so a second run replaces, never doubles). */
export function redirectScript(rs: Redirect[]): string {
  const rules = rs.map((r) => `    ${r.protocol} dport ${r.port} redirect to :${r.target}`);
  return [`table ip ${TABLE}`, `delete table ip ${TABLE}`, `table ip ${TABLE} {`, '  chain prerouting {', '    type nat hook prerouting priority dstnat; policy accept;', ...rules, '  }', '}', ''].join('\n');
}

/** Puts the redirects into the network namespace of process `pid` (the pod's infra container). */
export async function applyRedirects(pid: number, rs: Redirect[]): Promise<void> {
  if (!rs.length) return;
  await run(['nsenter', '-t', String(pid), '-n', 'nft', '-f', '-'], { input: redirectScript(rs), timeoutMs: 30_000 });
}

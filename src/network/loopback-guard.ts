/**
 * Loopback-only ports stay loopback-only. A port published on 127.0.0.1 is a
 * DNAT rule matching destination 127.0.0.1 in nat PREROUTING, which runs
 * before the kernel's martian check: a neighbour that sends a packet for
 * 127.0.0.1 to one of the host's interfaces would be forwarded to the
 * container (Docker's long-standing complaint). A raw-table rule per such port
 * drops packets for it that did not come in on `lo`, before nat sees them.
 * All rules of an endpoint go in one `iptables-restore --noflush` run.
 */
import { run } from '../platform/spawn';
import type { PublishedPort } from './ports';

export function isLoopback(ip: string): boolean {
  return ip.startsWith('127.');
}

/** The rule specs (after `-A PREROUTING`), tagged so a sweep can find a network's rules. */
export function guardRules(ports: PublishedPort[], tag: string): string[] {
  return ports
    .filter((p) => isLoopback(p.hostIp))
    .map((p) => `PREROUTING -d ${p.hostIp}/32 ! -i lo -p ${p.protocol} -m ${p.protocol} --dport ${p.hostPort} -m comment --comment "${tag}" -j DROP`);
}

/** Input for iptables-restore: appends (`-A`) or deletes (`-D`) the rules in the raw table. */
export function restoreInput(op: '-A' | '-D', rules: string[]): string {
  return `*raw\n${rules.map((r) => `${op} ${r}`).join('\n')}\nCOMMIT\n`;
}

export async function addGuards(rules: string[]): Promise<void> {
  if (rules.length) await run(['iptables-restore', '-w', '--noflush'], { input: restoreInput('-A', rules), timeoutMs: 30_000 });
}

/** All at once; if one is already gone the batch fails, and then one at a time so it keeps no other. */
export async function removeGuards(rules: string[]): Promise<void> {
  if (!rules.length) return;
  const del = (rs: string[]) => run(['iptables-restore', '-w', '--noflush'], { input: restoreInput('-D', rs), timeoutMs: 30_000 });
  await del(rules).catch(async () => {
    for (const r of rules) await del([r]).catch(() => undefined);
  });
}

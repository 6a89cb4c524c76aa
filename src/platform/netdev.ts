/** Network interface counters of a process's network namespace, from /proc/<pid>/net/dev (no setns needed). */
import { promises as fs } from 'node:fs';

export interface InterfaceCounters {
  name: string;
  rxBytes: number;
  rxPackets: number;
  rxErrors: number;
  rxDropped: number;
  txBytes: number;
  txPackets: number;
  txErrors: number;
  txDropped: number;
}

/** Parses /proc/net/dev; loopback is left out, as Docker's stats and cAdvisor leave it out. */
export function parseNetDev(text: string): InterfaceCounters[] {
  const out: InterfaceCounters[] = [];
  for (const line of text.split('\n').slice(2)) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    const name = line.slice(0, i).trim();
    if (name === 'lo') continue;
    const f = line.slice(i + 1).trim().split(/\s+/).map(Number);
    // receive: bytes packets errs drop fifo frame compressed multicast; transmit: bytes packets errs drop ...
    out.push({ name, rxBytes: f[0] ?? 0, rxPackets: f[1] ?? 0, rxErrors: f[2] ?? 0, rxDropped: f[3] ?? 0, txBytes: f[8] ?? 0, txPackets: f[9] ?? 0, txErrors: f[10] ?? 0, txDropped: f[11] ?? 0 });
  }
  return out;
}

/** The interfaces of `pid`'s network namespace; empty when the process is gone. */
export async function readNetDev(pid: number): Promise<InterfaceCounters[]> {
  if (!pid) return [];
  return parseNetDev(await fs.readFile(`/proc/${pid}/net/dev`, 'utf8').catch(() => ''));
}

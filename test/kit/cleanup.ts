/**
 * Leaves nothing behind: stops every process (conmon, container processes)
 * that belongs to a test's exec root, deletes runtime state, unmounts
 * everything under the data root, removes both roots. Runs also when a test failed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fs, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { anchorName } from '../../src/network/anchor';

function pidsMentioning(needle: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      if (cmd.includes(needle)) out.push(Number(p));
    } catch {
      // gone
    }
  }
  return out;
}

/**
 * Safety net for a daemon that died before releasing its networks: deletes the bridges of the
 * networks recorded under `dataRoot` and every firewall rule that names their subnets.
 */
export function cleanupNetworks(dataRoot: string): void {
  let records: Array<{ id?: string; interfaceName?: string; subnet?: string }> = [];
  try {
    const dir = path.join(dataRoot, 'networks');
    records = readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { id?: string; interfaceName?: string; subnet?: string });
  } catch {
    return;
  }
  const subnets = records.map((r) => r.subnet).filter((s): s is string => !!s);
  for (const r of records) {
    if (r.id) spawnSync('ip', ['link', 'del', anchorName(r.id)], { stdio: 'ignore' }); // the bridge's anchor
    if (r.interfaceName) spawnSync('ip', ['link', 'del', r.interfaceName], { stdio: 'ignore' });
  }
  // raw-table guards of loopback-only ports (network/loopback-guard.ts), tagged with the network id
  const tags = records.map((r) => r.id && `berth ${r.id.slice(0, 12)} `).filter((t): t is string => !!t);
  deleteRules('raw', (line) => tags.some((t) => line.includes(t)));
  if (!subnets.length) return;
  // netavark's per-network nat chains, found by their POSTROUTING jump before that goes
  const nat = spawnSync('iptables', ['-t', 'nat', '-S']).stdout?.toString() ?? '';
  const chains = new Set<string>();
  for (const line of nat.split('\n')) {
    const m = /^-A POSTROUTING -s (\S+) -j (NETAVARK-[0-9A-F]+)$/.exec(line);
    if (m && subnets.includes(m[1]!)) chains.add(m[2]!).add(m[2]!.replace('NETAVARK-', 'NETAVARK-DN-'));
  }
  // rules that name a subnet, a container address in one (DNAT targets), a network id (dnat comments) or those chains
  const prefixes = subnets.filter((x) => x.endsWith('.0/24')).map((x) => x.slice(0, -'0/24'.length));
  const ids = records.map((r) => r.id).filter((x): x is string => !!x);
  const ours = (line: string) => subnets.some((x) => line.includes(x)) || prefixes.some((x) => line.includes(` ${x}`) || line.includes(`--to-destination ${x}`)) || ids.some((x) => line.includes(x)) || [...chains].some((c) => line.includes(`-j ${c}`) || line.startsWith(`-A ${c} `));
  for (const table of ['nat', 'filter']) deleteRules(table, ours);
  for (const c of chains) spawnSync('iptables', ['-t', 'nat', '-X', c], { stdio: 'ignore' });
}

/** "-A CHAIN args" of `iptables -S` → ["CHAIN", ...args]; quoted comments keep their words together. */
export function ruleSpec(line: string): string[] {
  return (line.slice(3).match(/"[^"]*"|\S+/g) ?? []).map((a) => a.replace(/^"|"$/g, ''));
}

function deleteRules(table: string, match: (line: string) => boolean): void {
  const rules = spawnSync('iptables', ['-t', table, '-S']).stdout?.toString() ?? '';
  for (const line of rules.split('\n')) {
    if (line.startsWith('-A ') && match(line)) spawnSync('iptables', ['-t', table, '-D', ...ruleSpec(line)], { stdio: 'ignore' });
  }
}

/** Lazily unmounts every mount below the given directories (netns files, overlays), deepest first. */
export function unmountUnder(...roots: string[]): void {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => roots.some((r) => m.startsWith(r + '/')))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) spawnSync('umount', ['-l', m]);
}

export async function cleanupRoots(dataRoot: string, execRoot: string): Promise<void> {
  const runcRoot = path.join(execRoot, 'runc');
  // Containers first (their processes are not tagged with our roots; runc knows them).
  let ids: string[] = [];
  try {
    const list = JSON.parse(execFileSync('runc', ['--root', runcRoot, 'list', '--format', 'json']).toString() || '[]') as Array<{ id: string }> | null;
    ids = (list ?? []).map((c) => c.id);
  } catch {
    ids = [];
  }
  for (const id of ids) spawnSync('runc', ['--root', runcRoot, 'delete', '--force', id]);
  for (const pid of [...pidsMentioning(execRoot), ...pidsMentioning(dataRoot)]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  unmountUnder(dataRoot, execRoot);
  cleanupNetworks(dataRoot);
  await fs.rm(dataRoot, { recursive: true, force: true });
  await fs.rm(execRoot, { recursive: true, force: true });
}

/** `docker top`: the host's `ps` output, filtered to a container's pids (as dockerd does). */
import { runUnchecked } from './spawn';
import { InternalError, InvalidArgumentError } from '../base/errors';

export async function listProcesses(pids: number[], psArgs: string): Promise<{ titles: string[]; processes: string[][] }> {
  const args = psArgs.split(/\s+/).filter(Boolean);
  const r = await runUnchecked(['ps', ...args], { timeoutMs: 10_000 });
  // as dockerd: "ps: " and the first line of what ps said on stderr (a 500)
  if (r.exitCode !== 0) throw new InternalError(`ps: ${r.stderr.split('\n')[0] || `exit status ${r.exitCode}`}`, 'PS_FAILED');
  const out = r.stdout;
  const lines = out.split('\n').filter((l) => l.trim());
  const titles = (lines.shift() ?? '').trim().split(/\s+/);
  const pidCol = titles.indexOf('PID');
  if (pidCol < 0) throw new InvalidArgumentError(`Couldn't find PID field in ps output`);
  const want = new Set(pids.map(String));
  const processes: string[][] = [];
  for (const l of lines) {
    const f = l.trim().split(/\s+/);
    if (!want.has(f[pidCol]!)) continue;
    // the last column (CMD) may contain spaces: join the rest
    processes.push([...f.slice(0, titles.length - 1), f.slice(titles.length - 1).join(' ')]);
  }
  return { titles, processes };
}

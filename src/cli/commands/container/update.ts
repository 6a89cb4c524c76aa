/** `berth update [OPTIONS] CONTAINER...`: POST /containers/{id}/update per container; prints each name. */
import type { CommandModule } from '../../command-module';
import { CliExit } from '../../exit-codes';
import { parseRamBytes } from '../../output/humanize';
import { parseRestartPolicy } from '../../requests/container-create';
import { forEachTarget } from '../../for-each-target';

interface UpdateFlags {
  memory?: string;
  memorySwap?: string;
  memoryReservation?: string;
  cpus?: string;
  cpuShares?: number;
  cpuQuota?: number;
  cpuPeriod?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  pidsLimit?: number;
  restart?: string;
}

function bytes(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (v === '-1') return -1;
  try {
    return parseRamBytes(v);
  } catch (e) {
    throw new CliExit(125, `invalid argument "${v}": ${(e as Error).message}`);
  }
}

export const command: CommandModule<UpdateFlags> = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Update configuration of one or more containers',
  flags: [
    { flags: '-m, --memory', key: 'memory', kind: 'string', description: 'Memory limit' },
    { flags: '--memory-swap', key: 'memorySwap', kind: 'string', description: 'Swap limit equal to memory plus swap: -1 to enable unlimited swap' },
    { flags: '--memory-reservation', key: 'memoryReservation', kind: 'string', description: 'Memory soft limit' },
    { flags: '--cpus', key: 'cpus', kind: 'string', description: 'Number of CPUs' },
    { flags: '-c, --cpu-shares', key: 'cpuShares', kind: 'int', description: 'CPU shares (relative weight)' },
    { flags: '--cpu-quota', key: 'cpuQuota', kind: 'int', description: 'Limit CPU CFS (Completely Fair Scheduler) quota' },
    { flags: '--cpu-period', key: 'cpuPeriod', kind: 'int', description: 'Limit CPU CFS (Completely Fair Scheduler) period' },
    { flags: '--cpuset-cpus', key: 'cpusetCpus', kind: 'string', description: 'CPUs in which to allow execution (0-3, 0,1)' },
    { flags: '--cpuset-mems', key: 'cpusetMems', kind: 'string', description: 'MEMs in which to allow execution (0-3, 0,1)' },
    { flags: '--pids-limit', key: 'pidsLimit', kind: 'int', description: 'Tune container pids limit (set -1 for unlimited)' },
    { flags: '--restart', key: 'restart', kind: 'string', description: 'Restart policy to apply when a container exits' },
  ],
  minArgs: 1,
  async run(ctx, names, f) {
    const cpus = f.cpus === undefined ? undefined : Number(f.cpus);
    if (cpus !== undefined && !(cpus > 0)) throw new CliExit(125, `invalid argument "${f.cpus}" for "--cpus" flag`);
    const body: Record<string, unknown> = {
      Memory: bytes(f.memory),
      MemorySwap: bytes(f.memorySwap),
      MemoryReservation: bytes(f.memoryReservation),
      NanoCpus: cpus === undefined ? undefined : Math.round(cpus * 1e9),
      CpuShares: f.cpuShares,
      CpuQuota: f.cpuQuota,
      CpuPeriod: f.cpuPeriod,
      CpusetCpus: f.cpusetCpus,
      CpusetMems: f.cpusetMems,
      PidsLimit: f.pidsLimit,
      RestartPolicy: f.restart === undefined ? undefined : parseRestartPolicy(f.restart),
    };
    for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
    return forEachTarget(ctx, names, async (client, n) => {
      await client.containers.update(n, body);
    });
  },
};

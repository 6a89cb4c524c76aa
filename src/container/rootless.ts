/**
 * Rootless mode as it applies to one container: which resource limits the user's cgroups can carry
 * (none on cgroup v1 or without delegation: refused in words, as podman does, rather than dropped
 * in silence), and where the container's cgroup goes.
 */
import { InvalidArgumentError } from '../base/errors';
import type { CgroupDelegation } from '../platform/rootless';
import type { HostSpec } from './spec';

type LimitField = 'memory' | 'memorySwap' | 'memoryReservation' | 'nanoCpus' | 'cpuShares' | 'cpuQuota' | 'cpuPeriod' | 'cpusetCpus' | 'cpusetMems' | 'pidsLimit';

/** Each limit: its docker flag and the cgroup v2 controller that carries it. */
const LIMITS: ReadonlyArray<{ field: LimitField; flag: string; controller: string }> = [
  { field: 'memory', flag: '--memory', controller: 'memory' },
  { field: 'memorySwap', flag: '--memory-swap', controller: 'memory' },
  { field: 'memoryReservation', flag: '--memory-reservation', controller: 'memory' },
  { field: 'nanoCpus', flag: '--cpus', controller: 'cpu' },
  { field: 'cpuShares', flag: '--cpu-shares', controller: 'cpu' },
  { field: 'cpuQuota', flag: '--cpu-quota', controller: 'cpu' },
  { field: 'cpuPeriod', flag: '--cpu-period', controller: 'cpu' },
  { field: 'cpusetCpus', flag: '--cpuset-cpus', controller: 'cpuset' },
  { field: 'cpusetMems', flag: '--cpuset-mems', controller: 'cpuset' },
  { field: 'pidsLimit', flag: '--pids-limit', controller: 'pids' },
];

function isSet(v: number | string): boolean {
  return typeof v === 'string' ? v !== '' : v > 0;
}

/** Refuses limits the rootless daemon cannot enforce (create and `docker update`). */
export function validateRootlessLimits(h: Pick<HostSpec, LimitField>, cgroups: CgroupDelegation): void {
  const asked = LIMITS.filter((l) => isSet(h[l.field]));
  if (!asked.length) return;
  if (cgroups.kind === 'none') {
    throw new InvalidArgumentError(`invalid configuration, cannot specify resource limits (${asked.map((l) => l.flag).join(', ')}) in rootless mode without cgroups v2 and delegated controllers: ${cgroups.reason}`, 'ROOTLESS_NO_CGROUPS');
  }
  const missing = asked.filter((l) => !cgroups.controllers.includes(l.controller));
  if (missing.length) {
    const ctrls = [...new Set(missing.map((l) => l.controller))];
    throw new InvalidArgumentError(`invalid configuration, cannot specify ${missing.map((l) => l.flag).join(', ')} in rootless mode: the ${ctrls.join(', ')} controller${ctrls.length > 1 ? 's are' : ' is'} not delegated to this user (cgroup ${cgroups.parent})`, 'ROOTLESS_CONTROLLER_NOT_DELEGATED');
  }
}

/** The container's cgroup: under the delegated subtree, or none (runc then ignores what it cannot create). */
export function rootlessCgroupsPath(cgroups: CgroupDelegation, id: string): string {
  return cgroups.kind === 'v2' ? `${cgroups.parent}/berth-${id}` : '';
}

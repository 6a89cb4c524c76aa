/**
 * `docker update`: new resource limits (and restart policy) for a container.
 * A running one gets them in its cgroup at once (`runc update`); the record
 * keeps them for its next start. Nothing is saved when the runtime refuses.
 */
// dockerd answers an update that conflicts with the container's settings with 409 (conflictingUpdateOptions)
import { ConflictError, InvalidArgumentError } from '../base/errors';
import { updatableResources } from '../runtime/oci-spec';
import { publishContainerEvent, underLock, type ContainerContext } from './context';
import { hostFacts } from './host-facts';
import type { HostSpec } from './spec';
import type { ContainerUpdate } from './types';
import { resourcesOf } from './start';
import { validateRootlessLimits } from './rootless';
import { isRunning } from './status';

const KEYS = ['memory', 'memorySwap', 'memoryReservation', 'nanoCpus', 'cpuShares', 'cpuQuota', 'cpuPeriod', 'cpusetCpus', 'cpusetMems', 'pidsLimit'] as const;

export function applyUpdate(h: HostSpec, u: ContainerUpdate): HostSpec {
  const next: HostSpec = { ...h };
  for (const k of KEYS) if (u[k] !== undefined) (next as unknown as Record<string, unknown>)[k] = u[k];
  // a limit unset by an update is recorded as -1: no limit, but inspect shows 0 where a never-set one is null (dockerd)
  if (u.pidsLimit !== undefined && u.pidsLimit <= 0) next.pidsLimit = -1;
  if (u.memory !== undefined && u.memory > 0 && u.memory < 6 * 1024 * 1024) throw new InvalidArgumentError('Minimum memory limit allowed is 6MB', 'MEMORY_TOO_LOW');
  // a new memory limit above the swap limit already set needs the swap limit with it (dockerd's rule)
  if (u.memory !== undefined && u.memorySwap === undefined && h.memorySwap > 0 && u.memory > h.memorySwap) {
    throw new ConflictError('Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time', 'MEMORY_ABOVE_SWAP');
  }
  if (next.memorySwap > 0 && next.memory > 0 && next.memorySwap < next.memory) throw new InvalidArgumentError('Minimum memoryswap limit should be larger than memory limit, see usage', 'INVALID_MEMORY_SWAP');
  if (u.nanoCpus !== undefined && u.nanoCpus > 0) {
    next.cpuQuota = 0;
    next.cpuPeriod = 0;
  }
  if ((u.cpuQuota || u.cpuPeriod) && next.nanoCpus > 0) throw new ConflictError('Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set', 'CONFLICTING_CPU_OPTIONS');
  if (u.restartPolicy) {
    const rp = u.restartPolicy;
    if (!['', 'no', 'always', 'unless-stopped', 'on-failure'].includes(rp.name)) throw new InvalidArgumentError(`invalid restart policy: unknown policy '${rp.name}'`, 'BAD_RESTART_POLICY');
    if (h.autoRemove && rp.name !== '' && rp.name !== 'no') throw new ConflictError('Restart policy cannot be updated because AutoRemove is enabled for the container', 'RESTART_AUTOREMOVE');
    next.restartPolicy = { ...rp };
  }
  return next;
}

export async function updateContainer(ctx: ContainerContext, ref: string, u: ContainerUpdate): Promise<{ warnings: string[] }> {
  return underLock(ctx, ref, async (rec) => {
    const next = applyUpdate(rec.spec.host, u);
    if (ctx.rootless) validateRootlessLimits(next, ctx.rootless.cgroups);
    if (isRunning(rec.state.status)) {
      const resources = updatableResources(resourcesOf(next), await hostFacts());
      await ctx.runtime.update(rec.id, resources);
    }
    rec.spec.host = next;
    await ctx.store.save(rec);
    publishContainerEvent(ctx, rec, 'update');
    return { warnings: [] };
  });
}

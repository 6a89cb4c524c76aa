/**
 * The daemon's --userns-remap as it applies to one container: which maps it
 * runs under (none with --userns=host), Docker's refusals, and handing the
 * files a container must write (rootfs upper dir, /etc files, volumes) to its
 * remapped root.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError } from '../base/errors';
import { remappedRoot, toContainer, toHost, type UsernsRemap } from '../platform/idmap';
import type { HostSpec } from './spec';
import type { ContainerContext } from './context';
import type { ContainerRecord } from './types';

/** The remap a container runs under; undefined for --userns=host or a daemon without --userns-remap. */
export function remapOf(ctx: Pick<ContainerContext, 'usernsRemap'>, rec: ContainerRecord): UsernsRemap | undefined {
  return ctx.usernsRemap && rec.spec.host.usernsMode !== 'host' ? ctx.usernsRemap : undefined;
}

/** dockerd's verifyPlatformContainerSettings checks for user namespaces, in its words. */
export function validateUsernsMode(h: HostSpec, remap: UsernsRemap | undefined): void {
  const mode = h.usernsMode ?? '';
  if (mode !== '' && mode.split(':')[0] !== 'host') throw new InvalidArgumentError(`invalid UsernsMode: ${mode}`, 'INVALID_USERNS_MODE');
  if (!remap || mode.startsWith('host')) return;
  if (h.privileged) throw new InvalidArgumentError('privileged mode is incompatible with user namespaces.  You must run the container in the host namespace when running privileged mode', 'USERNS_PRIVILEGED');
  if (h.networkMode === 'host') throw new InvalidArgumentError("cannot share the host's network namespace when user namespaces are enabled", 'USERNS_HOST_NETWORK');
  if (h.pidMode === 'host') throw new InvalidArgumentError('cannot share the host PID namespace when user namespaces are enabled', 'USERNS_HOST_PID');
}

/** Gives `paths` to the remapped root (only those still owned by host root: a user's chown stays). */
export async function chownToRemappedRoot(remap: UsernsRemap, paths: string[]): Promise<void> {
  const root = remappedRoot(remap);
  await Promise.all(
    paths.map(async (p) => {
      const st = await fs.lstat(p).catch(() => undefined);
      if (st && st.uid === 0 && st.gid === 0) await fs.lchown(p, root.uid, root.gid);
    }),
  );
}

/** Host owners → the container's, for a commit; what the daemon itself made (host root, unmapped) is root's. */
export function containerIdsOf(remap: UsernsRemap | undefined): ((uid: number, gid: number) => [number, number]) | undefined {
  if (!remap) return undefined;
  return (uid, gid) => [toContainer(remap.uidMappings, uid) ?? 0, toContainer(remap.gidMappings, gid) ?? 0];
}

/** Container IDs → host IDs, for files the daemon writes into a container (`docker cp`); outside the map: root's. */
export function hostIdsOf(remap: UsernsRemap | undefined): ((uid: number, gid: number) => [number, number]) | undefined {
  if (!remap) return undefined;
  const root = remappedRoot(remap);
  return (uid, gid) => [toHost(remap.uidMappings, uid) ?? root.uid, toHost(remap.gidMappings, gid) ?? root.gid];
}

/** mkdir -p whose new directories belong to the remapped root (the working directory Docker creates). */
export async function mkdirForRemappedRoot(remap: UsernsRemap | undefined, dir: string): Promise<void> {
  const first = await fs.mkdir(dir, { recursive: true }).catch(() => undefined);
  if (!remap || !first) return;
  const root = remappedRoot(remap);
  for (let p = dir; p.length >= first.length; p = path.dirname(p)) await fs.lchown(p, root.uid, root.gid).catch(() => undefined);
}

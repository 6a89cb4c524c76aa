/**
 * `GET /containers/{id}/archive`: one container path as a tar stream, walked in
 * container space so mounts inside the tree (binds, volumes, /etc/hosts) show
 * their content as the container sees it. Entries are named from `rootName`
 * (dockerd's rebase: `bin/…` for /bin, `./…` for /bin/.).
 */
import type { Readable } from 'node:stream';
import type { Stats } from 'node:fs';
import type * as tar from 'tar-stream';
import { packTree } from '../platform/tar-tree';
import { hostPathOf, mountChildren, type PathMount } from './path-resolve';

/** `ids`: host owners → the container's (--userns-remap), so the tar holds what the container sees. */
export function packContainerPath(table: readonly PathMount[], containerPath: string, rootName: string, ids?: (uid: number, gid: number) => [number, number]): Readable {
  const adjust = ids && ((_p: string, st: Stats, header: tar.Headers) => {
    [header.uid, header.gid] = ids(st.uid, st.gid);
    return undefined;
  });
  return packTree({ hostPathOf: (p) => hostPathOf(table, p).hostPath, extraChildren: (p) => mountChildren(table, p), dirSlash: true, ...(adjust ? { adjust } : {}) }, containerPath, rootName);
}

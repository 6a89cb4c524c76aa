/**
 * `GET /containers/{id}/archive`: one container path as a tar stream, walked in
 * container space so mounts inside the tree (binds, volumes, /etc/hosts) show
 * their content as the container sees it. Entries are named from `rootName`
 * (dockerd's rebase: `bin/…` for /bin, `./…` for /bin/.).
 */
import type { Readable } from 'node:stream';
import { packTree } from '../platform/tar-tree';
import { hostPathOf, mountChildren, type PathMount } from './path-resolve';

export function packContainerPath(table: readonly PathMount[], containerPath: string, rootName: string): Readable {
  return packTree({ hostPathOf: (p) => hostPathOf(table, p).hostPath, extraChildren: (p) => mountChildren(table, p) }, containerPath, rootName);
}

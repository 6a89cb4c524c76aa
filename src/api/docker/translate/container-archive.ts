/** `X-Docker-Container-Path-Stat`: a path's stat as base64 JSON, byte for byte what dockerd's Go encoder writes. */
import type { ContainerPathStat } from '../../../container/path-resolve';

export const PATH_STAT_HEADER = 'X-Docker-Container-Path-Stat';

export function encodePathStatHeader(s: ContainerPathStat): string {
  // field order of dockerd's struct; Go escapes <, > and & in strings
  const json = JSON.stringify({ name: s.name, size: s.size, mode: s.mode, mtime: s.mtime, linkTarget: s.linkTarget })
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026');
  return Buffer.from(json, 'utf8').toString('base64');
}

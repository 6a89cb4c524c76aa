/**
 * A volume's subpath (API 1.45 VolumeOptions.Subpath) as a host path, with dockerd's rule: the joined path's
 * links are followed as the host sees them (an absolute link means the host's root), and the result must
 * stay inside the volume. Node's realpath is that evaluation; nothing here resolves links by hand.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError, NotFoundError } from '../base/errors';

export async function volumeSubpath(base: string, subpath: string): Promise<string> {
  const joined = path.join(base, subpath);
  const realBase = await fs.realpath(base);
  const resolved = await fs.realpath(joined).catch((e: NodeJS.ErrnoException) => {
    throw new NotFoundError('path', joined, `cannot access path ${joined}: lstat ${joined}: ${e.code === 'ENOENT' ? 'no such file or directory' : e.message}`);
  });
  if (resolved !== realBase && !resolved.startsWith(realBase + path.sep)) {
    throw new InvalidArgumentError(`path concatenation escapes the base directory, base: ${base}, subpath: ${subpath}`, 'SUBPATH_ESCAPES');
  }
  return resolved;
}

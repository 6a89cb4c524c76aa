/** A directory as a tar stream (for `docker export`), via GNU tar which handles every file type and xattr. */
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

export function tarDirectory(dir: string): Readable {
  const child = spawn('tar', ['-C', dir, '--numeric-owner', '--xattrs', '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'ignore'] });
  return child.stdout;
}

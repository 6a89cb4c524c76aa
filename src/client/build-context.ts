/**
 * A build context directory as the tar POST /build takes: what its .dockerignore
 * excludes stays out (the Dockerfile and .dockerignore always go), as the docker
 * CLI sends it. Shared by `berth build` and `berth compose build`.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { createIgnoreMatcher, parseDockerignore } from '../base/dockerignore';
import { packTree } from '../platform/tar-tree';

export async function packBuildContext(dir: string, dockerfile: string): Promise<Readable> {
  const ignore = createIgnoreMatcher(parseDockerignore(await fs.readFile(path.join(dir, '.dockerignore'), 'utf8').catch(() => '')));
  const keep = new Set(['.dockerignore', dockerfile]);
  return packTree({
    hostPathOf: (p) => path.join(dir, p),
    adjust: (p, st) => {
      const rel = p.replace(/^\/+/, '');
      if (!rel) return { skip: true };
      if (keep.has(rel) || !ignore.ignores(rel)) return undefined;
      // an excluded directory is walked only when a `!pattern` may bring something below it back
      return st.isDirectory() && ignore.mayIncludeUnder(rel) ? { skip: true } : { prune: true };
    },
  }, '/', '');
}

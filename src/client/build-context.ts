/**
 * A build context directory as the tar POST /build takes: what its .dockerignore
 * excludes stays out (the Dockerfile and .dockerignore always go), as the docker
 * CLI sends it. Shared by `berth build` and `berth compose build`.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import * as tar from 'tar-stream';
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

/** The context tar with files added at its end (build secrets, which the daemon takes out again). */
export function appendToContext(context: Readable, files: Array<{ name: string; data: Buffer }>): Readable {
  return repack(context, (h) => h, files);
}

/** A tar of a container's "/" (absolute names) as a tar of relative names, the root entry left out. */
export function relativeTar(rootArchive: Readable): Readable {
  return repack(rootArchive, (h) => {
    const name = h.name.replace(/^\/+/, '');
    return name === '' ? undefined : { ...h, name };
  });
}

function repack(source: Readable, rename: (h: tar.Headers) => tar.Headers | undefined, append: Array<{ name: string; data: Buffer }> = []): Readable {
  const pack = tar.pack();
  const ex = tar.extract();
  ex.on('entry', (header, stream, next) => {
    const h = rename(header);
    if (!h) {
      stream.on('end', next).resume();
      return;
    }
    stream.pipe(pack.entry(h, next));
  });
  ex.on('finish', () => {
    for (const f of append) pack.entry({ name: f.name, mode: 0o600, size: f.data.length }, f.data);
    pack.finalize();
  });
  ex.on('error', (e) => pack.destroy(e));
  source.on('error', (e) => pack.destroy(e));
  source.pipe(ex);
  return pack;
}

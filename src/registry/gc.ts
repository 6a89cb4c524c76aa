/**
 * Mark-and-sweep garbage collection of blob files, safe to run while serving.
 * Mark: every manifest revision of every repo, the blobs its manifests reference,
 * and every blob link younger than the grace period. Sweep: blob files not marked
 * and not modified within the grace period. Writers touch a blob (mtime) whenever
 * they link it or reference it from a new manifest, so a push racing with GC keeps
 * its blobs; uploads in progress live in uploads/ and are never looked at.
 */
import { promises as fs } from 'node:fs';
import { silentLogger, type Logger } from '../base/logger.js';
import { parseDigest } from './names.js';
import type { Registry } from './registry.js';

export interface GcOptions {
  /** blobs and links modified more recently than this are kept (default 1 h) */
  gracePeriodMs?: number;
  /** drop links to blobs no manifest of the repo references (after the grace period); default true */
  removeUnreferencedLinks?: boolean;
  /** report what would go, delete nothing */
  dryRun?: boolean;
  now?: () => number;
  log?: Logger;
}

export interface GcResult {
  markedBlobs: number;
  deletedBlobs: string[];
  deletedLinks: number;
  freedBytes: number;
}

export async function collectGarbage(registry: Registry, opts: GcOptions = {}): Promise<GcResult> {
  const grace = opts.gracePeriodMs ?? 60 * 60 * 1000;
  const now = opts.now ?? Date.now;
  const log = opts.log ?? silentLogger;
  const removeLinks = opts.removeUnreferencedLinks ?? true;
  const marked = new Set<string>();
  let deletedLinks = 0;

  for (const repo of await registry.repos.listRepos()) {
    const inRepo = new Set<string>();
    for (const digest of await registry.repos.listManifestRevisions(repo)) {
      inRepo.add(digest);
      for (const ref of await manifestReferences(registry, digest)) inRepo.add(ref);
    }
    for (const d of inRepo) marked.add(d);
    for (const link of await registry.repos.listBlobLinks(repo)) {
      if (inRepo.has(link.digest)) continue;
      if (!removeLinks || now() - link.mtimeMs < grace) {
        marked.add(link.digest);
        continue;
      }
      log.debug({ repo, digest: link.digest }, 'gc: unreferenced link');
      if (!opts.dryRun) await fs.rm(link.file, { force: true });
      deletedLinks++;
    }
  }

  const deletedBlobs: string[] = [];
  let freedBytes = 0;
  for await (const b of registry.blobs.list()) {
    if (marked.has(b.digest)) continue;
    // Re-read the mtime just before deleting: a writer may have touched it since the mark.
    const st = await fs.stat(b.file).catch(() => undefined);
    if (!st || now() - st.mtimeMs < grace) continue;
    if (!opts.dryRun) await fs.rm(b.file, { force: true });
    deletedBlobs.push(b.digest);
    freedBytes += st.size;
  }
  log.info({ marked: marked.size, deletedBlobs: deletedBlobs.length, deletedLinks, freedBytes, dryRun: Boolean(opts.dryRun) }, 'gc done');
  return { markedBlobs: marked.size, deletedBlobs, deletedLinks, freedBytes };
}

/** Digests a stored manifest points at (config, layers, index children). */
async function manifestReferences(registry: Registry, digest: string): Promise<string[]> {
  const d = parseDigest(digest);
  const body = d ? await registry.blobs.read(d) : undefined;
  if (!body) return [];
  let doc: { config?: { digest?: unknown }; layers?: { digest?: unknown }[]; manifests?: { digest?: unknown }[] };
  try {
    doc = JSON.parse(body.toString('utf8')) as typeof doc;
  } catch {
    return [];
  }
  const out: string[] = [];
  const add = (x: { digest?: unknown } | undefined): void => {
    if (x && typeof x.digest === 'string') out.push(x.digest);
  };
  add(doc.config);
  if (Array.isArray(doc.layers)) doc.layers.forEach(add);
  if (Array.isArray(doc.manifests)) doc.manifests.forEach(add);
  return out;
}

/**
 * Per-repository metadata, all as small files under `<root>/repos/<name>/`:
 *   _layers/<alg>/<hex>                      blob visible in this repo (empty link file)
 *   _manifests/revisions/<alg>/<hex>         manifest in this repo (JSON: mediaType, size, subject)
 *   _manifests/tags/<tag>                    tag → digest
 *   _referrers/<alg>/<subject hex>/<alg>-<hex>.json   referrer descriptor
 * Name components never start with '_' (names.ts), so these never clash with nested repos.
 * Writes go through temp file + rename. Callers validate names/tags/digests first.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readJson, writeFileAtomic, writeJsonAtomic } from '../../state/atomic-file.js';
import type { Descriptor } from '../../protocol/oci/image.js';
import { parseDigest, type ParsedDigest } from '../names.js';
import { readdirSafe } from './blob-store.js';

export interface ManifestRevisionRecord {
  mediaType: string;
  size: number;
  /** digest of the manifest's `subject`, so a delete can drop the referrer entry */
  subject?: string;
}

export interface ReferrerDescriptor extends Descriptor {
  artifactType?: string;
}

const TEMP_RE = /\.tmp-[0-9a-f]{8}$/;

export class RepoStore {
  readonly dir: string;
  constructor(root: string) {
    this.dir = path.join(root, 'repos');
  }

  private repoDir(name: string): string {
    return path.join(this.dir, ...name.split('/'));
  }
  private layerLink(name: string, d: ParsedDigest): string {
    return path.join(this.repoDir(name), '_layers', d.algorithm, d.hex);
  }
  private revisionFile(name: string, d: ParsedDigest): string {
    return path.join(this.repoDir(name), '_manifests', 'revisions', d.algorithm, d.hex);
  }
  private tagsDir(name: string): string {
    return path.join(this.repoDir(name), '_manifests', 'tags');
  }
  private referrersDir(name: string, subject: ParsedDigest): string {
    return path.join(this.repoDir(name), '_referrers', subject.algorithm, subject.hex);
  }

  async exists(name: string): Promise<boolean> {
    const entries = await readdirSafe(this.repoDir(name));
    return entries.includes('_layers') || entries.includes('_manifests');
  }

  // --- blob links

  async linkBlob(name: string, d: ParsedDigest): Promise<void> {
    const f = this.layerLink(name, d);
    await fs.mkdir(path.dirname(f), { recursive: true });
    // Rewriting refreshes the mtime, which GC's grace period reads.
    await writeFileAtomic(f, d.digest);
  }

  async hasBlobLink(name: string, d: ParsedDigest): Promise<boolean> {
    return fileExists(this.layerLink(name, d));
  }

  async touchBlobLink(name: string, d: ParsedDigest): Promise<void> {
    const now = new Date();
    await fs.utimes(this.layerLink(name, d), now, now).catch(ignoreEnoent);
  }

  async unlinkBlob(name: string, d: ParsedDigest): Promise<boolean> {
    return removeFile(this.layerLink(name, d));
  }

  async listBlobLinks(name: string): Promise<{ digest: string; mtimeMs: number; file: string }[]> {
    const out: { digest: string; mtimeMs: number; file: string }[] = [];
    const base = path.join(this.repoDir(name), '_layers');
    for (const alg of await readdirSafe(base)) {
      for (const hex of await readdirSafe(path.join(base, alg))) {
        if (TEMP_RE.test(hex)) continue;
        const file = path.join(base, alg, hex);
        const st = await fs.stat(file).catch(() => undefined);
        if (st) out.push({ digest: `${alg}:${hex}`, mtimeMs: st.mtimeMs, file });
      }
    }
    return out;
  }

  // --- manifests

  async putManifestRevision(name: string, d: ParsedDigest, rec: ManifestRevisionRecord): Promise<void> {
    const f = this.revisionFile(name, d);
    await fs.mkdir(path.dirname(f), { recursive: true });
    await writeJsonAtomic(f, rec);
  }

  async getManifestRevision(name: string, d: ParsedDigest): Promise<ManifestRevisionRecord | undefined> {
    return readJson<ManifestRevisionRecord>(this.revisionFile(name, d));
  }

  async deleteManifestRevision(name: string, d: ParsedDigest): Promise<boolean> {
    return removeFile(this.revisionFile(name, d));
  }

  async listManifestRevisions(name: string): Promise<string[]> {
    const base = path.join(this.repoDir(name), '_manifests', 'revisions');
    const out: string[] = [];
    for (const alg of await readdirSafe(base)) {
      for (const hex of await readdirSafe(path.join(base, alg))) if (!TEMP_RE.test(hex)) out.push(`${alg}:${hex}`);
    }
    return out;
  }

  // --- tags

  async setTag(name: string, tag: string, digest: string): Promise<void> {
    await fs.mkdir(this.tagsDir(name), { recursive: true });
    await writeFileAtomic(path.join(this.tagsDir(name), tag), digest);
  }

  async resolveTag(name: string, tag: string): Promise<ParsedDigest | undefined> {
    try {
      return parseDigest((await fs.readFile(path.join(this.tagsDir(name), tag), 'utf8')).trim());
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async deleteTag(name: string, tag: string): Promise<boolean> {
    return removeFile(path.join(this.tagsDir(name), tag));
  }

  /** Tags in ASCII order (Go's sort.Strings), as the spec asks. */
  async listTags(name: string): Promise<string[]> {
    return (await readdirSafe(this.tagsDir(name))).filter((t) => !TEMP_RE.test(t)).sort(compareAscii);
  }

  async tagsPointingTo(name: string, digest: string): Promise<string[]> {
    const out: string[] = [];
    for (const t of await this.listTags(name)) {
      if ((await this.resolveTag(name, t))?.digest === digest) out.push(t);
    }
    return out;
  }

  // --- referrers

  async addReferrer(name: string, subject: ParsedDigest, desc: ReferrerDescriptor): Promise<void> {
    const dir = this.referrersDir(name, subject);
    await fs.mkdir(dir, { recursive: true });
    await writeJsonAtomic(path.join(dir, desc.digest.replace(':', '-') + '.json'), desc);
  }

  async removeReferrer(name: string, subject: ParsedDigest, digest: string): Promise<void> {
    await removeFile(path.join(this.referrersDir(name, subject), digest.replace(':', '-') + '.json'));
  }

  async listReferrers(name: string, subject: ParsedDigest): Promise<ReferrerDescriptor[]> {
    const dir = this.referrersDir(name, subject);
    const out: ReferrerDescriptor[] = [];
    for (const f of (await readdirSafe(dir)).sort()) {
      if (!f.endsWith('.json')) continue;
      const d = await readJson<ReferrerDescriptor>(path.join(dir, f));
      if (d) out.push(d);
    }
    return out;
  }

  // --- catalog

  /** All repository names, ASCII-sorted. */
  async listRepos(): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string, prefix: string[]): Promise<void> => {
      const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
      if (prefix.length > 0 && entries.some((e) => e.name === '_manifests' || e.name === '_layers')) out.push(prefix.join('/'));
      for (const e of entries) {
        if (e.isDirectory() && !e.name.startsWith('_')) await walk(path.join(dir, e.name), [...prefix, e.name]);
      }
    };
    await walk(this.dir, []);
    return out.sort(compareAscii);
  }
}

export function compareAscii(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function fileExists(f: string): Promise<boolean> {
  try {
    await fs.access(f);
    return true;
  } catch {
    return false;
  }
}

async function removeFile(f: string): Promise<boolean> {
  try {
    await fs.unlink(f);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

function ignoreEnoent(e: NodeJS.ErrnoException): void {
  if (e.code !== 'ENOENT') throw e;
}

/**
 * The one owner of image records and tags: `<dataRoot>/image/images/<hex>.json`
 * and `<dataRoot>/image/repositories.json`, written atomically. In memory the
 * records carry their tags; on disk tags live only in repositories.json.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError, NotFoundError } from '../base/errors';
import { readJson, removeTempFiles, writeJsonAtomic } from '../state/atomic-file';
import type { ImageRecord } from './types';
import { familiarName, familiarTagged, looksLikeId, normalizeTag, parseReference } from './reference';

interface Repositories {
  tags: Record<string, string>; // "busybox:latest" → image id
  digests: Record<string, string>; // "busybox@sha256:..." → image id
}

export class ImageStore {
  private readonly images = new Map<string, ImageRecord>();
  private repos: Repositories = { tags: {}, digests: {} };
  private readonly dir: string;
  private readonly reposFile: string;

  constructor(imageRoot: string) {
    this.dir = path.join(imageRoot, 'images');
    this.reposFile = path.join(imageRoot, 'repositories.json');
  }

  async init(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    await removeTempFiles(path.dirname(this.dir));
    for (const f of await fs.readdir(this.dir)) {
      if (!f.endsWith('.json')) continue;
      const rec = await readJson<ImageRecord>(path.join(this.dir, f)).catch(() => undefined);
      if (rec) this.images.set(rec.id, { ...rec, repoTags: [], repoDigests: [] });
    }
    this.repos = (await readJson<Repositories>(this.reposFile)) ?? { tags: {}, digests: {} };
    // Tags pointing at images that never finished (crash between writes) are dropped.
    for (const [t, id] of Object.entries(this.repos.tags)) if (!this.images.has(id)) delete this.repos.tags[t];
    for (const [t, id] of Object.entries(this.repos.digests)) if (!this.images.has(id)) delete this.repos.digests[t];
    this.relink();
  }

  private relink(): void {
    for (const r of this.images.values()) {
      r.repoTags = [];
      r.repoDigests = [];
    }
    for (const [t, id] of Object.entries(this.repos.tags)) this.images.get(id)?.repoTags.push(t);
    for (const [t, id] of Object.entries(this.repos.digests)) this.images.get(id)?.repoDigests.push(t);
  }

  private async saveRepos(): Promise<void> {
    await writeJsonAtomic(this.reposFile, this.repos);
    this.relink();
  }

  all(): ImageRecord[] {
    return [...this.images.values()];
  }

  get(id: string): ImageRecord | undefined {
    return this.images.get(id);
  }

  /** Record first, tags after: a crash in between leaves an untagged (dangling) image, never a tag to nothing. */
  async put(rec: ImageRecord): Promise<void> {
    const { repoTags: _t, repoDigests: _d, ...onDisk } = rec;
    await writeJsonAtomic(path.join(this.dir, `${rec.id.replace('sha256:', '')}.json`), { ...onDisk, repoTags: [], repoDigests: [] });
    const existing = this.images.get(rec.id);
    this.images.set(rec.id, { ...rec, repoTags: existing?.repoTags ?? [], repoDigests: existing?.repoDigests ?? [] });
  }

  async delete(id: string): Promise<void> {
    for (const [t, v] of Object.entries(this.repos.tags)) if (v === id) delete this.repos.tags[t];
    for (const [t, v] of Object.entries(this.repos.digests)) if (v === id) delete this.repos.digests[t];
    await this.saveRepos();
    this.images.delete(id);
    await fs.rm(path.join(this.dir, `${id.replace('sha256:', '')}.json`), { force: true });
  }

  /** Points `tag` at `id`; returns the image that lost the tag, if any. */
  async setTag(tag: string, id: string): Promise<string | undefined> {
    const key = normalizeTag(tag);
    const prev = this.repos.tags[key];
    this.repos.tags[key] = id;
    await this.saveRepos();
    return prev !== id ? prev : undefined;
  }

  async setDigest(name: string, digest: string, id: string): Promise<void> {
    this.repos.digests[`${familiarName(parseReference(name))}@${digest}`] = id;
    await this.saveRepos();
  }

  async removeTag(tag: string): Promise<void> {
    delete this.repos.tags[tag];
    await this.saveRepos();
  }

  async removeDigest(ref: string): Promise<void> {
    delete this.repos.digests[ref];
    await this.saveRepos();
  }

  tagOwner(tag: string): string | undefined {
    return this.repos.tags[tag];
  }

  /** Docker's lookup: full id, name[:tag], name@digest, then a unique id prefix. */
  resolve(ref: string): ImageRecord {
    const full = ref.startsWith('sha256:') ? ref : `sha256:${ref}`;
    if (/^sha256:[0-9a-f]{64}$/.test(full) && this.images.has(full)) return this.images.get(full)!;
    let parsed;
    try {
      parsed = parseReference(ref);
    } catch (e) {
      if (!looksLikeId(ref)) throw e;
    }
    if (parsed) {
      if (parsed.digest) {
        const id = this.repos.digests[`${familiarName(parsed)}@${parsed.digest}`];
        if (id) return this.images.get(id)!;
      } else {
        const id = this.repos.tags[`${familiarName(parsed)}:${parsed.tag ?? 'latest'}`];
        if (id) return this.images.get(id)!;
      }
    }
    if (looksLikeId(ref) && ref.replace('sha256:', '').length >= 1 && !parsed?.tag) {
      const hex = ref.replace('sha256:', '');
      const matches = [...this.images.keys()].filter((id) => id.slice(7).startsWith(hex));
      if (matches.length === 1) return this.images.get(matches[0]!)!;
      if (matches.length > 1) throw new InvalidArgumentError(`ambiguous image id prefix: ${ref}`, 'AMBIGUOUS_ID');
    }
    // as dockerd: a name is shown in its familiar form with the tag it defaulted to ("No such image: x:latest")
    throw new NotFoundError('image', ref, `No such image: ${parsed ? (parsed.digest ? `${familiarName(parsed)}@${parsed.digest}` : familiarTagged(parsed)) : ref}`);
  }
}

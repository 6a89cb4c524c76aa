/**
 * The registry's operations over storage, one method per spec endpoint family.
 * It knows the spec's rules (what must exist, what a delete removes) but nothing
 * of HTTP framing; routes/ translate requests into these calls.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { removeTempFiles } from '../state/atomic-file.js';
import { DistributionError } from './errors.js';
import { checkManifest, type CheckedManifest } from './manifest-check.js';
import { assertDigest, isDigest, isValidTag, parseDigest, type ParsedDigest } from './names.js';
import { BlobStore } from './storage/blob-store.js';
import { RepoStore, type ReferrerDescriptor } from './storage/repo-store.js';
import { UploadStore } from './storage/upload-store.js';

export interface ManifestInfo {
  digest: string;
  mediaType: string;
  size: number;
}

export interface PutManifestResult {
  digest: string;
  subject?: string;
  tags: string[];
}

export interface Page<T> {
  items: T[];
  /** the `last` value of the next page, when there is one */
  next?: string;
}

export interface RegistryOptions {
  /**
   * Accept manifests whose blobs or child manifests are not in the repository
   * (the spec lets a registry take them; mirrors of partial images need it).
   */
  allowMissingBlobs?: boolean;
  now?: () => number;
}

export class Registry {
  readonly blobs: BlobStore;
  readonly repos: RepoStore;
  readonly uploads: UploadStore;
  private readonly allowMissingBlobs: boolean;
  constructor(readonly root: string, opts: RegistryOptions = {}) {
    this.blobs = new BlobStore(root);
    this.repos = new RepoStore(root);
    this.uploads = new UploadStore(root, this.blobs, opts.now);
    this.allowMissingBlobs = opts.allowMissingBlobs ?? false;
  }

  /** Start-up repair: drop unfinished uploads and temp files left by a crash. */
  async open(): Promise<void> {
    await this.uploads.removeAll();
    await removeTempFiles(path.join(this.root, 'repos'));
    await removeTempFiles(path.join(this.root, 'blobs'));
  }

  async assertRepoExists(name: string): Promise<void> {
    if (!(await this.repos.exists(name))) throw new DistributionError(404, 'NAME_UNKNOWN', { detail: { name } });
  }

  // --- manifests

  /** A reference that is neither digest nor tag names no manifest: 404, as the reference registry answers. */
  private async resolveReference(name: string, reference: string): Promise<ParsedDigest> {
    const digest = parseDigest(reference);
    if (digest) return digest;
    if (!isValidTag(reference)) throw await this.manifestUnknown(name, reference);
    const d = await this.repos.resolveTag(name, reference);
    if (!d) throw await this.manifestUnknown(name, reference);
    return d;
  }

  private async manifestUnknown(name: string, reference: string): Promise<DistributionError> {
    if (!(await this.repos.exists(name))) return new DistributionError(404, 'NAME_UNKNOWN', { detail: { name } });
    return new DistributionError(404, 'MANIFEST_UNKNOWN', { detail: { name, reference } });
  }

  async statManifest(name: string, reference: string): Promise<ManifestInfo> {
    const d = await this.resolveReference(name, reference);
    const rec = await this.repos.getManifestRevision(name, d);
    if (!rec || !(await this.blobs.stat(d))) throw await this.manifestUnknown(name, reference);
    return { digest: d.digest, mediaType: rec.mediaType, size: rec.size };
  }

  async getManifest(name: string, reference: string): Promise<ManifestInfo & { body: Buffer }> {
    const info = await this.statManifest(name, reference);
    const body = await this.blobs.read(parseDigest(info.digest)!);
    if (!body) throw await this.manifestUnknown(name, reference);
    return { ...info, body };
  }

  async putManifest(name: string, reference: string, body: Buffer, contentType: string | undefined, extraTags: string[] = []): Promise<PutManifestResult> {
    const byDigest = isDigest(reference);
    if (!byDigest && !isValidTag(reference)) throw new DistributionError(400, 'MANIFEST_INVALID', { message: 'invalid tag', detail: { reference } });
    for (const t of extraTags) if (!isValidTag(t)) throw new DistributionError(400, 'MANIFEST_INVALID', { message: 'invalid tag', detail: { tag: t } });
    const m = checkManifest(body, contentType);
    const ref = byDigest ? assertDigest(reference) : undefined;
    const algorithm = ref?.algorithm ?? 'sha256';
    const digest = parseDigest(`${algorithm}:${createHash(algorithm).update(body).digest('hex')}`)!;
    if (ref && ref.digest !== digest.digest) {
      throw new DistributionError(400, 'DIGEST_INVALID', { detail: { expected: ref.digest, actual: digest.digest } });
    }
    await this.assertReferencesExist(name, m);
    await this.storeManifest(name, digest, body, m);
    const tags = [...(byDigest ? [] : [reference]), ...extraTags];
    for (const t of tags) await this.repos.setTag(name, t, digest.digest);
    return { digest: digest.digest, tags, ...(m.subject ? { subject: m.subject } : {}) };
  }

  /**
   * Stores a manifest the pull-through cache fetched: verified against `digest`
   * and checked for shape, but its blobs are not required yet (they come on demand).
   */
  async putCachedManifest(name: string, digest: ParsedDigest, body: Buffer, mediaType: string): Promise<void> {
    const actual = `${digest.algorithm}:${createHash(digest.algorithm).update(body).digest('hex')}`;
    if (actual !== digest.digest) throw new DistributionError(400, 'DIGEST_INVALID', { detail: { expected: digest.digest, actual } });
    await this.storeManifest(name, digest, body, checkManifest(body, mediaType));
  }

  private async storeManifest(name: string, digest: ParsedDigest, body: Buffer, m: CheckedManifest): Promise<void> {
    await this.blobs.putBytes(digest, body);
    await this.repos.putManifestRevision(name, digest, { mediaType: m.mediaType, size: body.length, ...(m.subject ? { subject: m.subject } : {}) });
    if (m.subject) await this.repos.addReferrer(name, parseDigest(m.subject)!, referrerDescriptor(m, digest.digest, body.length));
  }

  /** MANIFEST_BLOB_UNKNOWN for every missing reference (unless allowed); touches the present ones so GC spares them. */
  private async assertReferencesExist(name: string, m: CheckedManifest): Promise<void> {
    const missing: string[] = [];
    for (const b of m.blobs) {
      if (b.external) continue;
      const d = parseDigest(b.digest)!;
      if ((await this.repoHolds(name, d)) && (await this.blobs.stat(d))) {
        await this.blobs.touch(d);
        await this.repos.touchBlobLink(name, d);
      } else missing.push(b.digest);
    }
    for (const c of m.manifests) {
      const d = parseDigest(c.digest)!;
      if ((await this.repos.getManifestRevision(name, d)) && (await this.blobs.stat(d))) await this.blobs.touch(d);
      else missing.push(c.digest);
    }
    if (missing.length > 0 && !this.allowMissingBlobs) {
      throw new DistributionError(400, 'MANIFEST_BLOB_UNKNOWN', { message: `manifest references unknown content: ${missing.join(', ')}`, detail: { digests: missing } });
    }
  }

  /** Delete by digest removes the manifest and its tags; delete by tag removes only the tag. */
  async deleteManifest(name: string, reference: string): Promise<void> {
    const d = parseDigest(reference);
    if (!d) {
      // An invalid tag names nothing (404, as for GET) and must never reach the tags directory.
      if (!isValidTag(reference) || !(await this.repos.deleteTag(name, reference))) throw await this.manifestUnknown(name, reference);
      return;
    }
    const rec = await this.repos.getManifestRevision(name, d);
    if (!rec) throw await this.manifestUnknown(name, reference);
    for (const t of await this.repos.tagsPointingTo(name, d.digest)) await this.repos.deleteTag(name, t);
    if (rec.subject) await this.repos.removeReferrer(name, parseDigest(rec.subject)!, d.digest);
    await this.repos.deleteManifestRevision(name, d);
  }

  // --- blobs

  /** A blob of `name`: linked by an upload/mount, or a manifest of the repo. */
  async statBlob(name: string, digest: string): Promise<{ digest: ParsedDigest; size: number }> {
    const d = assertDigest(digest);
    const st = (await this.repoHolds(name, d)) ? await this.blobs.stat(d) : undefined;
    if (!st) throw new DistributionError(404, 'BLOB_UNKNOWN', { detail: { digest } });
    return { digest: d, size: st.size };
  }

  openBlob(d: ParsedDigest, range?: { start: number; end: number }): Readable {
    return this.blobs.openRead(d, range);
  }

  /** Unlinks the blob from the repo; the bytes go at the next GC if nothing else uses them. */
  async deleteBlob(name: string, digest: string): Promise<void> {
    const d = assertDigest(digest);
    if (!(await this.repos.unlinkBlob(name, d))) throw new DistributionError(404, 'BLOB_UNKNOWN', { detail: { digest } });
  }

  /**
   * Cross-repo mount: links the blob into `name` when one of `sources` (repository names,
   * or 'all') holds it. The caller passes only repositories the client may pull from, so
   * nobody gains, or learns of, content they could not read.
   */
  async mountBlob(name: string, digest: string, sources: 'all' | readonly string[]): Promise<boolean> {
    const d = assertDigest(digest);
    if (!(await this.blobs.stat(d))) return false;
    const candidates = sources === 'all' ? await this.repos.listRepos() : new Set(sources);
    for (const repo of candidates) {
      if (!(await this.repoHolds(repo, d))) continue;
      await this.blobs.touch(d);
      await this.repos.linkBlob(name, d);
      return true;
    }
    return false;
  }

  /** A blob is in a repository when an upload or mount linked it there, or it is one of its manifests. */
  private async repoHolds(name: string, d: ParsedDigest): Promise<boolean> {
    return (await this.repos.hasBlobLink(name, d)) || (await this.repos.getManifestRevision(name, d)) !== undefined;
  }

  /** Finishes an upload session: verify, move into place, link into the repo. */
  async completeUpload(name: string, sessionId: string, digest: string, lastChunk?: { body: Readable; length?: number; start?: number }): Promise<void> {
    const d = assertDigest(digest);
    await this.uploads.withSession(name, sessionId, async (s) => {
      if (lastChunk) {
        if (lastChunk.start !== undefined && lastChunk.start !== s.offset) {
          throw new DistributionError(416, 'RANGE_INVALID', { detail: { offset: s.offset }, headers: { Range: `0-${Math.max(0, s.offset - 1)}` } });
        }
        await this.uploads.append(s, lastChunk.body, lastChunk.length);
      }
      await this.uploads.finish(s, d);
    });
    await this.repos.linkBlob(name, d);
  }

  /** Single-request monolithic push (POST ?digest=). */
  async uploadMonolithic(name: string, digest: string, body: Readable, length?: number): Promise<void> {
    const d = assertDigest(digest);
    const s = await this.uploads.create(name, d.algorithm);
    try {
      await this.completeUpload(name, s.id, digest, { body, ...(length !== undefined ? { length } : {}) });
    } finally {
      // finish() already forgot the session on success or digest error; this covers stream failures.
      if (this.uploads.has(s.id)) await this.uploads.drop(s);
    }
  }

  // --- discovery

  async listTags(name: string, n: number | undefined, last: string | undefined): Promise<Page<string>> {
    await this.assertRepoExists(name);
    return paginate(await this.repos.listTags(name), n, last);
  }

  async listRepositories(n: number | undefined, last: string | undefined): Promise<Page<string>> {
    return paginate(await this.repos.listRepos(), n, last);
  }

  async listReferrers(name: string, digest: string, artifactType: string | undefined): Promise<ReferrerDescriptor[]> {
    const d = assertDigest(digest);
    const all = await this.repos.listReferrers(name, d);
    return artifactType === undefined ? all : all.filter((r) => r.artifactType === artifactType);
  }
}

function referrerDescriptor(m: CheckedManifest, digest: string, size: number): ReferrerDescriptor {
  const artifactType = m.artifactType ?? (m.kind === 'image' ? m.configMediaType : undefined);
  return {
    mediaType: m.mediaType,
    digest,
    size,
    ...(artifactType ? { artifactType } : {}),
    ...(m.annotations ? { annotations: m.annotations } : {}),
  };
}

/** `n`/`last` pagination over an ASCII-sorted list. */
export function paginate(sorted: string[], n: number | undefined, last: string | undefined): Page<string> {
  let items = last === undefined ? sorted : sorted.filter((x) => x > last);
  if (n === undefined) return { items };
  if (n === 0) return { items: [] };
  const more = items.length > n;
  items = items.slice(0, n);
  return more ? { items, next: items[items.length - 1]! } : { items };
}

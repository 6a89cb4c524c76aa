/**
 * Pull-through cache over the local storage: manifests and blobs missing here
 * are fetched from the upstream, verified against their digest, stored through
 * the same atomic paths as pushes, and served. Tags are checked upstream on
 * every lookup (a HEAD; the content itself is fetched only when its digest is
 * new) and fall back to the cached tag when the upstream cannot be reached.
 * A blob is streamed to the first client while it is written to disk; the last
 * chunk is held back until the verified blob is in place, so no client ever
 * receives all of a corrupt blob, and nothing unverified becomes visible in storage.
 */
import { createHash, randomUUID, type Hash } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { silentLogger, type Logger } from '../../base/logger.js';
import { DistributionError } from '../errors.js';
import { assertDigest, isDigest, isValidTag, parseDigest, type ParsedDigest } from '../names.js';
import type { ManifestInfo, Registry } from '../registry.js';
import { UpstreamError, type Upstream } from './upstream.js';

/** A cached blob (read it from local storage), or one streaming from upstream into the cache right now. */
export type ProxiedBlob =
  | { digest: ParsedDigest; size: number; stream?: undefined }
  | { digest: ParsedDigest; /** unknown when upstream sends no length */ size: number | undefined; stream: Readable };

function unavailable(e: UpstreamError): DistributionError {
  return new DistributionError(503, 'UNAVAILABLE', { message: e.message });
}

/** Hashes what passes; fails at the end unless the digest (and the length, when known) match. */
class DigestCheck extends Transform {
  private readonly hash: Hash;
  private n = 0;
  constructor(private readonly expected: ParsedDigest, private readonly size: number | undefined) {
    super();
    this.hash = createHash(expected.algorithm);
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.n += chunk.length;
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    const actual = `${this.expected.algorithm}:${this.hash.digest('hex')}`;
    if (actual !== this.expected.digest || (this.size !== undefined && this.n !== this.size)) {
      cb(new DistributionError(503, 'UNAVAILABLE', { message: `upstream blob failed verification: expected ${this.expected.digest}, got ${actual} (${this.n} bytes)` }));
      return;
    }
    cb();
  }
}

/**
 * The client's copy: passes everything but the last chunk at once, and that one only
 * when `stored` says the verified blob is in place. A client never holds a whole
 * blob that failed verification, and a finished download means a cached blob.
 */
class HoldLastChunk extends Transform {
  private held: Buffer | undefined;
  constructor(private readonly stored: Promise<boolean>) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const previous = this.held;
    this.held = chunk;
    cb(null, previous);
  }
  override _flush(cb: TransformCallback): void {
    void this.stored.then((ok) => (ok ? cb(null, this.held) : cb(new Error('blob could not be cached'))));
  }
}

export class PullThroughCache {
  /** blob digest → its download into the cache (settles when stored or abandoned) */
  private readonly inflight = new Map<string, Promise<void>>();

  constructor(
    private readonly registry: Registry,
    private readonly upstream: Upstream,
    private readonly log: Logger = silentLogger,
  ) {}

  // --- manifests

  async statManifest(name: string, reference: string): Promise<ManifestInfo> {
    return this.registry.statManifest(name, (await this.resolve(name, reference)).digest);
  }

  async getManifest(name: string, reference: string): Promise<ManifestInfo & { body: Buffer }> {
    return this.registry.getManifest(name, (await this.resolve(name, reference)).digest);
  }

  private async hasManifest(name: string, d: ParsedDigest): Promise<boolean> {
    return (await this.registry.repos.getManifestRevision(name, d)) !== undefined && (await this.registry.blobs.stat(d)) !== undefined;
  }

  /** The digest `reference` stands for, with that manifest stored locally. */
  private async resolve(name: string, reference: string): Promise<ParsedDigest> {
    if (isDigest(reference)) {
      const d = assertDigest(reference);
      if (!(await this.hasManifest(name, d))) await this.fetchManifest(name, d.digest, d);
      return d;
    }
    // Neither digest nor tag: it names nothing, here or upstream (404, as without a proxy).
    if (!isValidTag(reference)) throw new DistributionError(404, 'MANIFEST_UNKNOWN', { detail: { name, reference } });
    let remote: { digest?: string } | undefined;
    try {
      remote = await this.upstream.headManifest(name, reference);
    } catch (e) {
      if (!(e instanceof UpstreamError)) throw e;
      const cached = await this.registry.repos.resolveTag(name, reference);
      if (cached && (await this.hasManifest(name, cached))) {
        this.log.warn({ name, tag: reference, err: e.message }, 'upstream unavailable, serving the cached tag');
        return cached;
      }
      throw unavailable(e);
    }
    // The upstream is the authority on its tags: one it no longer has is unknown here too.
    if (!remote) throw new DistributionError(404, 'MANIFEST_UNKNOWN', { detail: { name, reference } });
    // Some registries leave out the digest header: then the manifest is fetched by tag and hashed.
    const known = remote.digest ? parseDigest(remote.digest) : undefined;
    const d = known && (await this.hasManifest(name, known)) ? known : await this.fetchManifest(name, known?.digest ?? reference, known);
    await this.registry.repos.setTag(name, reference, d.digest);
    return d;
  }

  /** GET from upstream, check against `expected` (or take the digest of what came), store. */
  private async fetchManifest(name: string, reference: string, expected: ParsedDigest | undefined): Promise<ParsedDigest> {
    let m: Awaited<ReturnType<Upstream['getManifest']>>;
    try {
      m = await this.upstream.getManifest(name, reference);
    } catch (e) {
      if (e instanceof UpstreamError) throw unavailable(e);
      throw e;
    }
    if (!m) throw new DistributionError(404, 'MANIFEST_UNKNOWN', { detail: { name, reference } });
    const algorithm = expected?.algorithm ?? 'sha256';
    const d = parseDigest(`${algorithm}:${createHash(algorithm).update(m.bytes).digest('hex')}`)!;
    if (expected && d.digest !== expected.digest) {
      throw new DistributionError(503, 'UNAVAILABLE', { message: `upstream manifest failed verification: expected ${expected.digest}, got ${d.digest}` });
    }
    try {
      await this.registry.putCachedManifest(name, d, m.bytes, m.mediaType);
    } catch (e) {
      if (e instanceof DistributionError && e.code === 'MANIFEST_INVALID') throw new DistributionError(503, 'UNAVAILABLE', { message: `upstream sent an unusable manifest: ${e.message}` });
      throw e;
    }
    this.log.info({ name, reference, digest: d.digest }, 'cached manifest from upstream');
    return d;
  }

  // --- blobs

  /** A blob of `name` for HEAD: the cached one, else upstream's word on it (nothing is fetched for a HEAD). */
  async statBlob(name: string, digest: string): Promise<{ digest: ParsedDigest; size: number }> {
    const d = assertDigest(digest);
    const cached = await this.cachedBlob(name, d);
    if (cached) return cached;
    return { digest: d, size: await this.confirmUpstream(name, d) };
  }

  /**
   * A blob for GET. Served from disk when cached (or once a running download of
   * it lands, or when `waitForCache` asks for that, e.g. for a Range request);
   * otherwise streamed from upstream while it is cached.
   */
  async openBlob(name: string, digest: string, opts: { waitForCache?: boolean } = {}): Promise<ProxiedBlob> {
    const d = assertDigest(digest);
    const cached = await this.cachedBlob(name, d);
    if (cached) return cached;
    const running = this.inflight.get(d.digest);
    if (!running) {
      const download = await this.download(name, d);
      if (!opts.waitForCache) return download;
      download.stream?.resume(); // nobody reads this copy; let it drain while the cache fills
    }
    await this.inflight.get(d.digest);
    const landed = await this.cachedBlob(name, d);
    if (!landed) throw new DistributionError(503, 'UNAVAILABLE', { message: `fetching ${d.digest} from upstream failed` });
    return landed;
  }

  /** The blob from local storage, linking bytes another repository brought once upstream vouches for this one. */
  private async cachedBlob(name: string, d: ParsedDigest): Promise<{ digest: ParsedDigest; size: number } | undefined> {
    const local = await this.localBlob(name, d.digest);
    if (local) return local;
    const st = await this.registry.blobs.stat(d);
    if (!st) return undefined;
    await this.confirmUpstream(name, d);
    await this.registry.repos.linkBlob(name, d);
    return { digest: d, size: st.size };
  }

  private async localBlob(name: string, digest: string): Promise<{ digest: ParsedDigest; size: number } | undefined> {
    try {
      return await this.registry.statBlob(name, digest);
    } catch (e) {
      if (e instanceof DistributionError && e.code === 'BLOB_UNKNOWN') return undefined;
      throw e;
    }
  }

  /** Upstream's size for the blob in this repository; 404 when it has none, 503 when it cannot say. */
  private async confirmUpstream(name: string, d: ParsedDigest): Promise<number> {
    let size: number | undefined;
    try {
      size = await this.upstream.headBlob(name, d.digest);
    } catch (e) {
      if (e instanceof UpstreamError) throw unavailable(e);
      throw e;
    }
    if (size === undefined) throw new DistributionError(404, 'BLOB_UNKNOWN', { detail: { digest: d.digest } });
    return size;
  }

  /** Starts the download: one verified copy to a temp file (renamed into place), one stream for the caller. */
  private async download(name: string, d: ParsedDigest): Promise<ProxiedBlob> {
    let up: { stream: Readable; size: number | undefined } | undefined;
    try {
      up = await this.upstream.getBlob(name, d.digest);
    } catch (e) {
      if (e instanceof UpstreamError) throw unavailable(e);
      throw e;
    }
    if (!up) throw new DistributionError(404, 'BLOB_UNKNOWN', { detail: { digest: d.digest } });
    // Temp files live in uploads/, which start-up repair empties, so a crash leaves nothing behind.
    const tmp = path.join(this.registry.uploads.dir, `proxy-${randomUUID()}`);
    const check = new DigestCheck(d, up.size);
    let settle!: (ok: boolean) => void;
    const toClient = new HoldLastChunk(new Promise<boolean>((resolve) => (settle = resolve)));
    // pipe() unpipes a destination that closes: a client that goes away does not stop the caching.
    check.pipe(toClient);
    // Settles either way: a failed download is logged here and the next request starts over.
    const stored = pipeline(up.stream, check, createWriteStream(tmp))
      .then(async () => {
        await this.registry.blobs.commitFile(d, tmp);
        await this.registry.repos.linkBlob(name, d);
        this.log.info({ name, digest: d.digest }, 'cached blob from upstream');
        settle(true);
      })
      .catch(async (e: unknown) => {
        // Clean up first: the client learns of the failure only once nothing of it is left.
        await fs.rm(tmp, { force: true }).catch(() => undefined);
        settle(false);
        toClient.destroy(e instanceof Error ? e : new Error(String(e)));
        this.log.warn({ name, digest: d.digest, err: e instanceof Error ? e.message : String(e) }, 'caching blob from upstream failed');
      })
      .finally(() => this.inflight.delete(d.digest));
    this.inflight.set(d.digest, stored);
    return { digest: d, size: up.size, stream: toClient };
  }
}

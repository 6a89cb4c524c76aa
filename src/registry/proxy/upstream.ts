/**
 * The pull-through cache's view of its upstream registry, over the engine's
 * registry client (image/distribution), which already answers Basic and Bearer
 * challenges and caches tokens. This file only narrows its outcomes to what the
 * cache acts on: found, not there (undefined), or unavailable (UpstreamError:
 * unreachable, 5xx, refused credentials, content that fails verification).
 */
import type { Readable } from 'node:stream';
import { BerthError } from '../../base/errors.js';
import { RegistryClient, RegistryResponseError, type FetchedManifest, type RepositoryClient } from '../../image/distribution/registry-client.js';

export interface UpstreamOptions {
  /** base URL, e.g. https://registry-1.docker.io or http://127.0.0.1:5000 */
  url: string;
  username?: string;
  password?: string;
}

export class UpstreamError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UpstreamError';
  }
}

/** Repository sessions kept (each remembers its challenge and tokens); beyond this they are dropped. */
const MAX_SESSIONS = 1000;

export class Upstream {
  readonly url: string;
  private readonly client = new RegistryClient({ userAgent: 'berth-registry-proxy' });
  private readonly sessions = new Map<string, RepositoryClient>();

  constructor(private readonly opts: UpstreamOptions) {
    const u = new URL(opts.url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UpstreamError(`proxy remote URL must be http(s): ${opts.url}`);
    this.url = `${u.protocol}//${u.host}`;
  }

  private repo(name: string): RepositoryClient {
    let r = this.sessions.get(name);
    if (!r) {
      if (this.sessions.size >= MAX_SESSIONS) this.sessions.clear();
      const auth = this.opts.username !== undefined ? { username: this.opts.username, password: this.opts.password ?? '' } : undefined;
      r = this.client.repository({ url: this.url, domain: new URL(this.url).host, mirror: false }, name, { ...(auth ? { auth } : {}), actions: ['pull'] });
      this.sessions.set(name, r);
    }
    return r;
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof RegistryResponseError && e.status === 404) return undefined;
      if (e instanceof BerthError) throw new UpstreamError(`upstream ${what}: ${e.message}`, { cause: e });
      throw e;
    }
  }

  /** The digest a tag points at now (HEAD), or undefined when upstream has no such manifest. */
  headManifest(name: string, reference: string): Promise<{ digest?: string; mediaType: string } | undefined> {
    return this.call(`HEAD ${name}:${reference}`, () => this.repo(name).headManifest(reference));
  }

  getManifest(name: string, reference: string): Promise<FetchedManifest | undefined> {
    return this.call(`GET ${name}:${reference}`, () => this.repo(name).getManifest(reference));
  }

  headBlob(name: string, digest: string): Promise<number | undefined> {
    return this.call(`HEAD ${name}@${digest}`, () => this.repo(name).headBlob(digest));
  }

  /** The blob's bytes, unverified (the cache hashes them on the way to disk). */
  getBlob(name: string, digest: string): Promise<{ stream: Readable; size: number | undefined } | undefined> {
    return this.call(`GET ${name}@${digest}`, () => this.repo(name).getBlob(digest));
  }
}

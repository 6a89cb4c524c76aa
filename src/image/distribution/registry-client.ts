/**
 * A client for any OCI Distribution registry, over fetch. Owns the wire
 * protocol and auth (challenge → Bearer token or Basic, tokens cached per
 * scope); knows nothing of the local image store. Errors from the registry
 * become `RegistryResponseError` with the spec's codes, worded as Docker
 * prints them ("manifest unknown: manifest unknown to registry").
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { BerthError, type ErrorKind, InvalidArgumentError, UnavailableError } from '../../base/errors';
import { MediaTypes } from '../../protocol/oci/image';
import { type EndpointOptions, type RegistryEndpoint } from './endpoint';
import { parseWwwAuthenticate, type AuthChallenge } from './www-authenticate';
import { httpGet } from './node-get';

/** Credentials as Docker carries them (X-Registry-Auth, config.json). */
export interface AuthConfig {
  username?: string;
  password?: string;
  /** OAuth refresh token from a previous login */
  identityToken?: string;
  /** a bearer token to send as is */
  registryToken?: string;
  serverAddress?: string;
}

export interface RegistryClientOptions extends EndpointOptions {
  fetch?: typeof fetch;
  userAgent?: string;
}

export type RepoAction = 'pull' | 'push';

export const MANIFEST_ACCEPT = [MediaTypes.ociManifest, MediaTypes.ociIndex, MediaTypes.dockerManifest, MediaTypes.dockerManifestList];
/** Docker's limit: a manifest larger than this is refused rather than buffered. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface RegistryErrorEntry {
  code: string;
  message: string;
}

function kindForStatus(status: number): ErrorKind {
  if (status === 401) return 'Unauthorized';
  if (status === 403) return 'Forbidden';
  if (status === 404) return 'NotFound';
  if (status === 429 || status >= 500) return 'Unavailable';
  return 'InvalidArgument';
}

/** Docker's errcode formatting: "MANIFEST_UNKNOWN"/"manifest unknown to registry" → "manifest unknown: manifest unknown to registry". */
export function formatRegistryErrors(errors: RegistryErrorEntry[]): string {
  return errors.map((e) => `${e.code.toLowerCase().replace(/_/g, ' ')}: ${e.message}`).join(', ');
}

export class RegistryResponseError extends BerthError {
  readonly status: number;
  readonly errors: RegistryErrorEntry[];
  constructor(status: number, errors: RegistryErrorEntry[], fallback: string) {
    super(kindForStatus(status), errors[0]?.code ? `REGISTRY_${errors[0].code}` : `REGISTRY_HTTP_${status}`, errors.length ? formatRegistryErrors(errors) : fallback);
    this.status = status;
    this.errors = errors;
  }
  hasCode(code: string): boolean {
    return this.errors.some((e) => e.code === code);
  }
}

async function responseError(res: Response, what: string): Promise<RegistryResponseError> {
  let errors: RegistryErrorEntry[] = [];
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { errors?: Array<{ code?: unknown; message?: unknown }>; details?: unknown };
    errors = (body.errors ?? []).map((e) => ({ code: String(e.code ?? 'UNKNOWN'), message: String(e.message ?? '') }));
  } catch {
    // not JSON: the status line is all we have
  }
  if (!errors.length && res.status === 401) errors = [{ code: 'UNAUTHORIZED', message: 'authentication required' }];
  return new RegistryResponseError(res.status, errors, `${what} failed with status: ${res.status} ${res.statusText}`);
}

export function sha256Digest(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

export interface FetchedManifest {
  bytes: Buffer;
  mediaType: string;
  /** sha256 of the bytes as received (verified against the requested digest, if any) */
  digest: string;
}

type BodySource = Buffer | (() => Readable);

interface RequestSpec {
  method: string;
  /** path below the endpoint ("/v2/…") or an absolute URL (upload locations) */
  url: string;
  headers?: Record<string, string>;
  body?: BodySource;
  signal?: AbortSignal;
  /** extra token scopes for this request (cross-repo mount needs pull on the source) */
  scopes?: string[];
  redirect?: 'follow' | 'manual' | 'error';
}

/** Shared by all repository sessions of an engine: the fetch to use and the token cache. */
export class RegistryClient {
  readonly options: RegistryClientOptions;
  readonly fetch: typeof fetch;
  private readonly tokens = new Map<string, CachedToken>();

  constructor(options: RegistryClientOptions = {}) {
    this.options = options;
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  /** A session for one repository at one endpoint; `path` is the remote name ("library/busybox"). */
  repository(endpoint: RegistryEndpoint, path: string, opts: { auth?: AuthConfig; actions: RepoAction[] }): RepositoryClient {
    return new RepositoryClient(this, endpoint, path, opts.auth, opts.actions);
  }

  /** @internal */
  cachedToken(key: string): string | undefined {
    const t = this.tokens.get(key);
    if (!t) return undefined;
    if (t.expiresAt <= Date.now()) {
      this.tokens.delete(key);
      return undefined;
    }
    return t.token;
  }

  /** @internal */
  storeToken(key: string, token: string, expiresInSec: number): void {
    // Refresh a little early so a token never expires mid-request.
    this.tokens.set(key, { token, expiresAt: Date.now() + Math.max(expiresInSec - 10, 1) * 1000 });
  }
}

function basicHeader(user: string, pass: string): string {
  return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
}

/** One repository on one registry endpoint, with its auth state. */
export class RepositoryClient {
  private challenge: AuthChallenge | undefined;
  private pinged = false;

  constructor(
    private readonly client: RegistryClient,
    readonly endpoint: RegistryEndpoint,
    readonly path: string,
    private readonly auth: AuthConfig | undefined,
    private readonly actions: RepoAction[],
  ) {}

  private scopes(extra: string[]): string[] {
    return this.actions.length ? [`repository:${this.path}:${this.actions.join(',')}`, ...extra] : extra;
  }

  /** Login check: /v2/ must answer 200 once the challenge is met with the credentials. */
  async checkLogin(signal?: AbortSignal): Promise<void> {
    await this.ping(signal);
    const res = await this.send({ method: 'GET', url: '/v2/', signal }, await this.authorization([], signal));
    await this.expect(res, [200], `GET ${this.endpoint.url}/v2/`);
    await res.arrayBuffer().catch(() => undefined);
  }

  /** GET /v2/: learns the auth challenge. Resolves when the registry answers 200 or 401. */
  async ping(signal?: AbortSignal): Promise<void> {
    const res = await this.send({ method: 'GET', url: '/v2/', signal }, undefined);
    await res.arrayBuffer().catch(() => undefined);
    if (res.status === 401) this.challenge = this.pickChallenge(res);
    else if (!res.ok) throw await responseError(res, `GET ${this.endpoint.url}/v2/`);
    this.pinged = true;
  }

  private pickChallenge(res: Response): AuthChallenge | undefined {
    const all = parseWwwAuthenticate(res.headers.get('www-authenticate'));
    return all.find((c) => c.scheme === 'bearer') ?? all.find((c) => c.scheme === 'basic');
  }

  /** The Authorization header for the current challenge, fetching a token when needed. */
  private async authorization(extraScopes: string[], signal?: AbortSignal): Promise<string | undefined> {
    if (this.auth?.registryToken) return `Bearer ${this.auth.registryToken}`;
    const c = this.challenge;
    if (!c) return undefined;
    if (c.scheme === 'basic') {
      if (this.auth?.username === undefined) return undefined;
      return basicHeader(this.auth.username, this.auth.password ?? '');
    }
    if (c.scheme !== 'bearer') return undefined;
    const realm = c.params.realm;
    if (!realm) throw new InvalidArgumentError(`registry ${this.endpoint.domain} sent a bearer challenge without a realm`);
    const scopes = this.scopes(extraScopes);
    const who = this.auth?.identityToken ? `id:${sha256Digest(Buffer.from(this.auth.identityToken))}` : this.auth?.username ?? '';
    const key = `${realm}|${c.params.service ?? ''}|${scopes.join(' ')}|${who}`;
    const cached = this.client.cachedToken(key);
    if (cached) return `Bearer ${cached}`;
    const token = await fetchToken(this.client.fetch, realm, c.params.service, scopes, this.auth, this.client.options.userAgent, signal);
    this.client.storeToken(key, token.token, token.expiresIn);
    return `Bearer ${token.token}`;
  }

  private async send(spec: RequestSpec, authorization: string | undefined): Promise<Response> {
    const url = /^https?:\/\//.test(spec.url) ? spec.url : `${this.endpoint.url}${spec.url}`;
    const headers: Record<string, string> = { ...(spec.headers ?? {}) };
    if (this.client.options.userAgent) headers['User-Agent'] = this.client.options.userAgent;
    if (authorization) headers.Authorization = authorization;
    const init: RequestInit & { duplex?: 'half' } = { method: spec.method, headers, redirect: spec.redirect ?? 'follow' };
    if (spec.signal) init.signal = spec.signal;
    if (spec.body !== undefined) {
      if (Buffer.isBuffer(spec.body)) init.body = spec.body;
      else {
        // a web stream body needs half-duplex in undici
        init.body = Readable.toWeb(spec.body()) as unknown as ReadableStream<Uint8Array>; // node and DOM stream typings differ
        init.duplex = 'half';
      }
    }
    try {
      return await this.client.fetch(url, init);
    } catch (e) {
      if (spec.signal?.aborted) throw spec.signal.reason ?? e;
      const cause = (e as { cause?: { message?: string; code?: string } }).cause;
      throw new UnavailableError(`${spec.method} ${url}: ${cause?.message ?? (e as Error).message}`, 'REGISTRY_UNREACHABLE', { cause: e });
    }
  }

  /** Sends with auth; on a 401 learns the challenge and retries once when the body can be replayed. */
  private async request(spec: RequestSpec): Promise<Response> {
    if (!this.pinged) await this.ping(spec.signal);
    let res = await this.send(spec, await this.authorization(spec.scopes ?? [], spec.signal));
    if (res.status === 401 && (spec.body === undefined || Buffer.isBuffer(spec.body))) {
      const c = this.pickChallenge(res);
      if (c && (c.scheme !== this.challenge?.scheme || c.params.realm !== this.challenge.params.realm || !this.challenge)) {
        await res.arrayBuffer().catch(() => undefined);
        this.challenge = c;
        res = await this.send(spec, await this.authorization(spec.scopes ?? [], spec.signal));
      }
    }
    return res;
  }

  private async expect(res: Response, ok: number[], what: string): Promise<Response> {
    if (ok.includes(res.status)) return res;
    throw await responseError(res, what);
  }

  /** GET a manifest by tag or digest. A digest reference is verified against the bytes. */
  async getManifest(reference: string, signal?: AbortSignal): Promise<FetchedManifest> {
    const res = await this.expect(
      await this.request({ method: 'GET', url: `/v2/${this.path}/manifests/${reference}`, headers: { Accept: MANIFEST_ACCEPT.join(', ') }, signal }),
      [200],
      `GET manifest ${this.path}:${reference}`,
    );
    const len = Number(res.headers.get('content-length') ?? '0');
    if (len > MAX_MANIFEST_BYTES) throw new InvalidArgumentError(`manifest too large (${len} bytes)`, 'MANIFEST_TOO_LARGE');
    const bytes = Buffer.from(await res.arrayBuffer());
    if (bytes.length > MAX_MANIFEST_BYTES) throw new InvalidArgumentError(`manifest too large (${bytes.length} bytes)`, 'MANIFEST_TOO_LARGE');
    const digest = sha256Digest(bytes);
    if (reference.includes(':') && reference !== digest) {
      throw new InvalidArgumentError(`manifest verification failed for digest ${reference}`, 'MANIFEST_DIGEST_MISMATCH');
    }
    const mediaType = manifestMediaType(bytes, res.headers.get('content-type'));
    return { bytes, mediaType, digest };
  }

  /** HEAD a manifest: its digest and size, or undefined when it does not exist. */
  async headManifest(reference: string, signal?: AbortSignal): Promise<{ digest?: string; size: number; mediaType: string } | undefined> {
    const res = await this.request({ method: 'HEAD', url: `/v2/${this.path}/manifests/${reference}`, headers: { Accept: MANIFEST_ACCEPT.join(', ') }, signal });
    if (res.status === 404) return undefined;
    await this.expect(res, [200], `HEAD manifest ${this.path}:${reference}`);
    return {
      ...(res.headers.get('docker-content-digest') ? { digest: res.headers.get('docker-content-digest')! } : {}),
      size: Number(res.headers.get('content-length') ?? '0'),
      mediaType: res.headers.get('content-type') ?? '',
    };
  }

  /** PUT a manifest under a tag or digest; returns the digest of the bytes. */
  async putManifest(reference: string, bytes: Buffer, mediaType: string, signal?: AbortSignal): Promise<string> {
    const res = await this.request({ method: 'PUT', url: `/v2/${this.path}/manifests/${reference}`, headers: { 'Content-Type': mediaType }, body: bytes, signal });
    await this.expect(res, [200, 201, 202], `PUT manifest ${this.path}:${reference}`);
    await res.arrayBuffer().catch(() => undefined);
    return sha256Digest(bytes);
  }

  /** HEAD a blob: its size, or undefined when the registry does not have it. */
  async headBlob(digest: string, signal?: AbortSignal): Promise<number | undefined> {
    const res = await this.request({ method: 'HEAD', url: `/v2/${this.path}/blobs/${digest}`, signal });
    if (res.status === 404) return undefined;
    await this.expect(res, [200], `HEAD blob ${digest}`);
    return Number(res.headers.get('content-length') ?? '0');
  }

  /** GET a blob as a stream (unverified: the caller hashes it). */
  async getBlob(digest: string, signal?: AbortSignal): Promise<{ stream: Readable; size: number | undefined }> {
    // The usual case over node:http (see node-get.ts); a challenge to learn, an error to word, or a
    // client with its own fetch takes the fetch path below.
    if (this.client.fetch === globalThis.fetch && this.pinged) {
      const headers: Record<string, string> = {};
      if (this.client.options.userAgent) headers['User-Agent'] = this.client.options.userAgent;
      const authorization = await this.authorization([], signal);
      if (authorization) headers.Authorization = authorization;
      const res = await httpGet(`${this.endpoint.url}/v2/${this.path}/blobs/${digest}`, headers, signal).catch(() => undefined);
      if (res?.statusCode === 200) {
        const len = res.headers['content-length'];
        return { stream: res, size: len === undefined ? undefined : Number(len) };
      }
      res?.resume();
    }
    const res = await this.expect(await this.request({ method: 'GET', url: `/v2/${this.path}/blobs/${digest}`, signal }), [200], `GET blob ${digest}`);
    if (!res.body) throw new UnavailableError(`GET blob ${digest}: empty response`);
    const len = res.headers.get('content-length');
    return { stream: Readable.fromWeb(res.body as unknown as NodeReadableStream<Uint8Array>), size: len === null ? undefined : Number(len) }; // DOM vs node web-stream typings
  }

  /** GET a small blob (config) fully, verified against its digest. */
  async getBlobBytes(digest: string, signal?: AbortSignal): Promise<Buffer> {
    const res = await this.expect(await this.request({ method: 'GET', url: `/v2/${this.path}/blobs/${digest}`, signal }), [200], `GET blob ${digest}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    if (sha256Digest(bytes) !== digest) throw new InvalidArgumentError(`filesystem layer verification failed for digest ${digest}`, 'DIGEST_MISMATCH');
    return bytes;
  }

  /** Cross-repo mount (`POST …/uploads/?mount=&from=`): true when the registry mounted it. */
  async mountBlob(digest: string, fromPath: string, signal?: AbortSignal): Promise<boolean> {
    const q = new URLSearchParams({ mount: digest, from: fromPath });
    const res = await this.request({ method: 'POST', url: `/v2/${this.path}/blobs/uploads/?${q}`, scopes: [`repository:${fromPath}:pull`], signal, headers: { 'Content-Length': '0' } });
    if (res.status === 201) {
      await res.arrayBuffer().catch(() => undefined);
      return true;
    }
    // 202: the registry opened an upload instead; cancel it so it does not linger.
    if (res.status === 202) {
      const loc = res.headers.get('location');
      await res.arrayBuffer().catch(() => undefined);
      if (loc) await this.request({ method: 'DELETE', url: this.resolveLocation(loc), signal }).then((r) => r.arrayBuffer(), () => undefined).catch(() => undefined);
      return false;
    }
    await this.expect(res, [], `mount blob ${digest} from ${fromPath}`);
    return false;
  }

  private resolveLocation(loc: string): string {
    return new URL(loc, `${this.endpoint.url}/`).toString();
  }

  /** Monolithic upload: POST to open a session, then one PUT with the data and the digest. */
  async uploadBlob(digest: string, size: number, body: BodySource, signal?: AbortSignal): Promise<void> {
    const start = await this.request({ method: 'POST', url: `/v2/${this.path}/blobs/uploads/`, signal, headers: { 'Content-Length': '0' } });
    if (start.status === 201) {
      await start.arrayBuffer().catch(() => undefined);
      return; // the registry already had it
    }
    await this.expect(start, [202], `POST blob upload ${digest}`);
    await start.arrayBuffer().catch(() => undefined);
    const loc = start.headers.get('location');
    if (!loc) throw new UnavailableError(`registry ${this.endpoint.domain} opened an upload without a Location`);
    const url = new URL(this.resolveLocation(loc));
    url.searchParams.set('digest', digest);
    const res = await this.request({
      method: 'PUT',
      url: url.toString(),
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) },
      body,
      signal,
    });
    await this.expect(res, [201, 204], `PUT blob ${digest}`);
    await res.arrayBuffer().catch(() => undefined);
  }
}

/** The media type of a manifest: its own `mediaType` field, else the Content-Type, else by shape. */
export function manifestMediaType(bytes: Buffer, contentType: string | null): string {
  let doc: { mediaType?: unknown; manifests?: unknown; config?: unknown };
  try {
    doc = JSON.parse(bytes.toString('utf8')) as typeof doc;
  } catch {
    throw new InvalidArgumentError('invalid manifest: not JSON', 'MANIFEST_INVALID');
  }
  if (typeof doc.mediaType === 'string' && doc.mediaType) return doc.mediaType;
  const ct = contentType?.split(';')[0]?.trim();
  if (ct && (MANIFEST_ACCEPT as string[]).includes(ct)) return ct;
  return Array.isArray(doc.manifests) ? MediaTypes.ociIndex : MediaTypes.ociManifest;
}

async function fetchToken(
  doFetch: typeof fetch,
  realm: string,
  service: string | undefined,
  scopes: string[],
  auth: AuthConfig | undefined,
  userAgent: string | undefined,
  signal: AbortSignal | undefined,
): Promise<{ token: string; expiresIn: number }> {
  const headers: Record<string, string> = {};
  if (userAgent) headers['User-Agent'] = userAgent;
  let res: Response;
  try {
    if (auth?.identityToken) {
      // OAuth2 refresh-token grant, as Docker does after a login that returned an identity token
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: auth.identityToken, client_id: 'berth', access_type: 'offline' });
      if (service) form.set('service', service);
      if (scopes.length) form.set('scope', scopes.join(' '));
      res = await doFetch(realm, { method: 'POST', headers: { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' }, body: form.toString(), ...(signal ? { signal } : {}) });
    } else {
      const u = new URL(realm);
      if (service) u.searchParams.set('service', service);
      for (const s of scopes) u.searchParams.append('scope', s);
      if (auth?.username !== undefined && auth.username !== '') {
        u.searchParams.set('account', auth.username);
        headers.Authorization = basicHeader(auth.username, auth.password ?? '');
      }
      res = await doFetch(u, { headers, ...(signal ? { signal } : {}) });
    }
  } catch (e) {
    if (signal?.aborted) throw signal.reason ?? e;
    throw new UnavailableError(`token request to ${realm} failed: ${(e as Error).message}`, 'TOKEN_UNREACHABLE', { cause: e });
  }
  if (!res.ok) {
    const err = await responseError(res, `GET ${realm}`);
    if (res.status === 401) throw new RegistryResponseError(401, err.errors.length ? err.errors : [{ code: 'UNAUTHORIZED', message: 'incorrect username or password' }], '');
    throw err;
  }
  const body = (await res.json()) as { token?: string; access_token?: string; expires_in?: number };
  const token = body.token || body.access_token;
  if (!token) throw new UnavailableError(`token server ${realm} returned no token`, 'TOKEN_MISSING');
  // The spec says assume 60 s when expires_in is missing.
  return { token, expiresIn: typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 60 };
}

/**
 * Typed Docker Engine API client: version negotiation (HEAD /_ping, then
 * /v{min(ours, server)}), and one method per endpoint the CLI uses, grouped by
 * resource. Returns wire types; rendering belongs to cli/output.
 */
import type { ContainerCreateRequest as PartialCreateRequest } from '../protocol/docker/container';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { API_VERSION } from '../base/version';
import type { DaemonAddress } from './host';
import { ApiTransport, isReadable, pathSegment as seg, type HijackedStream, type Query } from './transport';
import { DaemonUnreachableError, DockerApiError } from './api-error';
import type * as W from './wire-types';
import type * as N from '../protocol/docker/network';
import type * as V from '../protocol/docker/volume';

/** Compares dotted API versions numerically ("1.9" < "1.41"). */
export function compareApiVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** The version the client speaks: the lower of ours and the server's (ours when the server says nothing). */
export function negotiateApiVersion(serverVersion: string | undefined, ours = API_VERSION): string {
  if (!serverVersion) return ours;
  return compareApiVersions(serverVersion, ours) < 0 ? serverVersion : ours;
}

export function encodeFilters(filters: W.FilterMap | undefined): string | undefined {
  if (!filters || !Object.keys(filters).length) return undefined;
  return JSON.stringify(filters);
}

export interface PingResult {
  apiVersion: string | undefined;
  osType: string | undefined;
}

export interface AttachOptions {
  stdin?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  stream?: boolean;
  logs?: boolean;
  detachKeys?: string;
}

export interface LogsOptions {
  follow?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  since?: string;
  until?: string;
  timestamps?: boolean;
  tail?: string;
}

export interface DockerClientOptions {
  /** speak this version without asking (the docker CLI's DOCKER_API_VERSION) */
  apiVersion?: string;
  /**
   * Skip the ping: speak our own version until the daemon calls it too new, then ping,
   * negotiate and resend. min(ours, server) is ours for every server at or above ours,
   * so this saves a round trip on every command.
   */
  optimistic?: boolean;
  /** called once when nothing answers (auto-start); the failed request is then resent */
  onUnreachable?: () => Promise<void>;
}

/** dockerd's and berthd's answer to a /vX.Y above their maximum */
function isVersionTooNew(e: unknown): boolean {
  return e instanceof DockerApiError && e.status === 400 && /^client version \S+ is too new/i.test(e.message);
}

export class DockerClient {
  readonly transport: ApiTransport;
  private negotiated: Promise<void> | undefined;
  /** true once the version is negotiated, pinned, or accepted by the daemon */
  private versionSettled = false;
  private readonly pinned: boolean;
  private readonly optimistic: boolean;
  private readonly onUnreachable: (() => Promise<void>) | undefined;
  private reached: Promise<void> | undefined;
  /** the version the server reported in its last ping */
  serverApiVersion: string | undefined;

  constructor(address: DaemonAddress, options: DockerClientOptions = {}) {
    this.transport = new ApiTransport(address);
    this.optimistic = !!options.optimistic;
    this.onUnreachable = options.onUnreachable;
    this.pinned = !!options.apiVersion;
    if (options.apiVersion) {
      this.transport.apiVersion = options.apiVersion;
      this.versionSettled = true;
    }
  }

  get address(): DaemonAddress {
    return this.transport.address;
  }

  get apiVersion(): string {
    return this.transport.apiVersion;
  }

  /** HEAD /_ping (unversioned), as the docker CLI does at the start of every command. */
  async ping(): Promise<PingResult> {
    const res = await this.transport.request({ method: 'HEAD', path: '/_ping', versioned: false });
    res.resume();
    const h = (k: string): string | undefined => {
      const v = res.headers[k];
      return Array.isArray(v) ? v[0] : v;
    };
    return { apiVersion: h('api-version'), osType: h('ostype') };
  }

  /** Pings once and fixes the /vX.Y prefix for every later call (a pinned version stays). */
  negotiate(): Promise<void> {
    this.negotiated ??= this.reach(() => this.ping()).then((p) => {
      this.serverApiVersion = p.apiVersion;
      if (!this.pinned) this.transport.apiVersion = negotiateApiVersion(p.apiVersion);
      this.versionSettled = true;
    });
    return this.negotiated;
  }

  /** Runs `send`; when nothing answers and a starter is set, starts the daemon once and sends again. */
  private async reach<T>(send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (e) {
      if (!(e instanceof DaemonUnreachableError) || !this.onUnreachable) throw e;
      this.reached ??= this.onUnreachable();
      await this.reached;
      return send();
    }
  }

  /**
   * Every versioned request goes through here. A body stream cannot be sent twice, so
   * it waits for a real negotiation; anything else may go out on our own version first.
   */
  private async versioned<T>(body: unknown, send: () => Promise<T>): Promise<T> {
    if (this.versionSettled) return send();
    if (!this.optimistic || isReadable(body)) {
      await this.negotiate();
      return send();
    }
    this.transport.apiVersion ||= API_VERSION;
    try {
      const result = await this.reach(send);
      this.versionSettled = true;
      return result;
    } catch (e) {
      if (!isVersionTooNew(e)) throw e;
      await this.negotiate();
      return send();
    }
  }

  private call<T>(method: string, path: string, query?: Query, body?: unknown, headers?: Record<string, string>): Promise<T> {
    return this.versioned(body, () => this.transport.json<T>({ method, path, query, body, ...(headers ? { headers } : {}) }));
  }

  private stream(method: string, path: string, query?: Query, body?: unknown, contentType?: string, headers?: Record<string, string>): Promise<IncomingMessage> {
    return this.versioned(body, () => this.transport.request({ method, path, query, body, contentType, headers }));
  }

  private hijack(path: string, query?: Query, body?: unknown): Promise<HijackedStream> {
    return this.versioned(body, () => this.transport.hijack({ method: 'POST', path, query, body }));
  }

  /** GET a JSON document as the daemon's raw text (inspect prints it without re-encoding). */
  async getRaw(path: string): Promise<string> {
    const { readAll } = require('./transport') as typeof import('./transport');
    const res = await this.versioned(undefined, () => this.transport.request({ method: 'GET', path }));
    return (await readAll(res)).toString('utf8');
  }

  readonly system = {
    version: (): Promise<W.VersionResponse> => this.call('GET', '/version'),
    info: (): Promise<W.JsonObject> => this.call('GET', '/info'),
    events: (q: { since?: string; until?: string; filters?: W.FilterMap }): Promise<IncomingMessage> =>
      this.stream('GET', '/events', { since: q.since, until: q.until, filters: encodeFilters(q.filters) }),
  };

  readonly containers = {
    /** the CLI's full body, or any partial one the API takes (compose builds those) */
    create: (body: W.ContainerCreateRequest | PartialCreateRequest, name?: string): Promise<W.ContainerCreateResponse> =>
      this.call('POST', '/containers/create', { name: name || undefined }, body),
    inspect: (id: string, size = false): Promise<W.ContainerInspect> =>
      this.call('GET', `/containers/${seg(id)}/json`, { size: size || undefined }),
    list: (q: { all?: boolean; limit?: number; size?: boolean; filters?: W.FilterMap }): Promise<W.ContainerSummary[]> =>
      this.call('GET', '/containers/json', {
        all: q.all || undefined,
        limit: q.limit && q.limit > 0 ? q.limit : undefined,
        size: q.size || undefined,
        filters: encodeFilters(q.filters),
      }),
    start: (id: string, detachKeys?: string): Promise<void> => this.call('POST', `/containers/${seg(id)}/start`, { detachKeys }),
    stop: (id: string, q: { t?: number; signal?: string } = {}): Promise<void> =>
      this.call('POST', `/containers/${seg(id)}/stop`, { t: q.t, signal: q.signal }),
    restart: (id: string, q: { t?: number; signal?: string } = {}): Promise<void> =>
      this.call('POST', `/containers/${seg(id)}/restart`, { t: q.t, signal: q.signal }),
    kill: (id: string, signal?: string): Promise<void> => this.call('POST', `/containers/${seg(id)}/kill`, { signal: signal || undefined }),
    remove: (id: string, q: { force?: boolean; v?: boolean; link?: boolean } = {}): Promise<void> =>
      this.call('DELETE', `/containers/${seg(id)}`, { force: q.force || undefined, v: q.v || undefined, link: q.link || undefined }),
    /** Resolves once the wait is registered (headers back); `result` settles at exit. */
    wait: async (id: string, condition?: 'not-running' | 'next-exit' | 'removed'): Promise<{ result: Promise<W.WaitResponse>; response: IncomingMessage }> => {
      const res = await this.stream('POST', `/containers/${seg(id)}/wait`, { condition });
      const result = (async () => {
        const chunks: Buffer[] = [];
        for await (const c of res) chunks.push(c as Buffer);
        return JSON.parse(Buffer.concat(chunks).toString('utf8')) as W.WaitResponse;
      })();
      result.catch(() => undefined); // callers that drop the wait (run -d) must not crash the process
      return { result, response: res };
    },
    attach: (id: string, o: AttachOptions): Promise<HijackedStream> =>
      this.hijack(`/containers/${seg(id)}/attach`, {
        detachKeys: o.detachKeys || undefined,
        logs: o.logs || undefined,
        stderr: o.stderr || undefined,
        stdin: o.stdin || undefined,
        stdout: o.stdout || undefined,
        stream: o.stream || undefined,
      }),
    resize: (id: string, h: number, w: number): Promise<void> => this.call('POST', `/containers/${seg(id)}/resize`, { h, w }),
    logs: (id: string, o: LogsOptions): Promise<IncomingMessage> =>
      this.stream('GET', `/containers/${seg(id)}/logs`, {
        follow: o.follow || undefined,
        since: o.since || undefined,
        stderr: o.stderr || undefined,
        stdout: o.stdout || undefined,
        tail: o.tail,
        timestamps: o.timestamps || undefined,
        until: o.until || undefined,
      }),
    top: (id: string, psArgs?: string): Promise<W.TopResponse> => this.call('GET', `/containers/${seg(id)}/top`, { ps_args: psArgs || undefined }),
    rename: (id: string, name: string): Promise<void> => this.call('POST', `/containers/${seg(id)}/rename`, { name }),
    update: (id: string, body: Record<string, unknown>): Promise<{ Warnings: string[] | null }> => this.call('POST', `/containers/${seg(id)}/update`, undefined, body),
    changes: (id: string): Promise<Array<{ Path: string; Kind: number }>> => this.call('GET', `/containers/${seg(id)}/changes`),
    commit: (id: string, q: { repo?: string; tag?: string; comment?: string; author?: string; changes?: string[]; pause?: boolean }): Promise<{ Id: string }> =>
      this.call('POST', '/commit', { author: q.author || undefined, changes: q.changes?.length ? q.changes : undefined, comment: q.comment || undefined, container: id, pause: q.pause, repo: q.repo || undefined, tag: q.tag || undefined }),
    pause: (id: string): Promise<void> => this.call('POST', `/containers/${seg(id)}/pause`),
    unpause: (id: string): Promise<void> => this.call('POST', `/containers/${seg(id)}/unpause`),
    prune: (filters?: W.FilterMap): Promise<W.PruneContainersResponse> => this.call('POST', '/containers/prune', { filters: encodeFilters(filters) }),
    export: (id: string): Promise<IncomingMessage> => this.stream('GET', `/containers/${seg(id)}/export`),
    getArchive: (id: string, path: string): Promise<IncomingMessage> => this.stream('GET', `/containers/${seg(id)}/archive`, { path }),
    /** HEAD …/archive: the path's stat as the X-Docker-Container-Path-Stat header (base64 JSON) */
    statPath: async (id: string, path: string): Promise<string> => {
      const res = await this.stream('HEAD', `/containers/${seg(id)}/archive`, { path });
      res.resume();
      const h = res.headers['x-docker-container-path-stat'];
      return (Array.isArray(h) ? h[0] : h) ?? '';
    },
    /** PUT …/archive; the docker CLI labels the tar text/plain and always sets noOverwriteDirNonDir */
    putArchive: async (id: string, path: string, tar: Readable, q: { copyUIDGID?: boolean } = {}): Promise<void> => {
      const res = await this.stream('PUT', `/containers/${seg(id)}/archive`, { copyUIDGID: q.copyUIDGID || undefined, noOverwriteDirNonDir: true, path }, tar, 'text/plain');
      res.resume();
    },
  };

  readonly exec = {
    create: (container: string, body: W.ExecCreateRequest): Promise<{ Id: string }> => this.call('POST', `/containers/${seg(container)}/exec`, undefined, body),
    start: (id: string, body: { Detach: boolean; Tty: boolean }): Promise<HijackedStream> => this.hijack(`/exec/${seg(id)}/start`, undefined, body),
    startDetached: (id: string, body: { Detach: boolean; Tty: boolean }): Promise<void> => this.call('POST', `/exec/${seg(id)}/start`, undefined, body),
    inspect: (id: string): Promise<W.ExecInspect> => this.call('GET', `/exec/${seg(id)}/json`),
    resize: (id: string, h: number, w: number): Promise<void> => this.call('POST', `/exec/${seg(id)}/resize`, { h, w }),
  };

  readonly images = {
    /** POST /build (classic builder, version=1): context tar in, JSON lines out */
    build: (context: Readable, q: { tags: string[]; dockerfile?: string; buildArgs?: Record<string, string>; labels?: Record<string, string>; target?: string; noCache?: boolean; quiet?: boolean; rm?: boolean; forceRm?: boolean; pull?: boolean; networkMode?: string; cacheFrom?: string[]; secrets?: string[]; ssh?: string[] }): Promise<IncomingMessage> =>
      this.stream('POST', '/build', {
        cachefrom: q.cacheFrom?.length ? JSON.stringify(q.cacheFrom) : undefined,
        secrets: q.secrets?.length ? JSON.stringify(q.secrets) : undefined,
        ssh: q.ssh?.length ? JSON.stringify(q.ssh) : undefined,
        buildargs: q.buildArgs && Object.keys(q.buildArgs).length ? JSON.stringify(q.buildArgs) : undefined,
        dockerfile: q.dockerfile || undefined,
        forcerm: q.forceRm || undefined,
        labels: q.labels && Object.keys(q.labels).length ? JSON.stringify(q.labels) : undefined,
        networkmode: q.networkMode || undefined,
        nocache: q.noCache || undefined,
        pull: q.pull || undefined,
        q: q.quiet || undefined,
        rm: q.rm === false ? false : undefined,
        t: q.tags.length ? q.tags : undefined,
        target: q.target || undefined,
        version: '1',
      }, context, 'application/x-tar'),
    list: (q: { all?: boolean; digests?: boolean; filters?: W.FilterMap }): Promise<W.ImageSummary[]> =>
      this.call('GET', '/images/json', { all: q.all || undefined, digests: q.digests || undefined, filters: encodeFilters(q.filters) }),
    inspect: (name: string): Promise<W.JsonObject> => this.call('GET', `/images/${seg(name)}/json`),
    history: (name: string): Promise<W.ImageHistoryItem[]> => this.call('GET', `/images/${seg(name)}/history`),
    /** Berth's own: the image's packages as an SPDX or CycloneDX document */
    sbom: (name: string, format: string): Promise<W.JsonObject> => this.call('GET', `/images/${seg(name)}/sbom`, { format }),
    /** Berth's own: the image's packages matched against OSV advisories (parsed JSON) */
    scan: (name: string, advisories: unknown): Promise<W.ImageScanReport> => this.call('POST', `/images/${seg(name)}/scan`, undefined, advisories),
    /** Berth's own: signs the image's manifest at its registry (cosign simple signing) with a PEM private key */
    sign: (name: string, privateKeyPem: string, registryAuth = 'e30='): Promise<{ Digest: string; SignatureTag: string }> =>
      this.call('POST', `/images/${seg(name)}/sign`, undefined, { PrivateKey: privateKeyPem }, { 'X-Registry-Auth': registryAuth }),
    /** Berth's own: verifies the image at its registry against PEM public keys */
    verify: (name: string, publicKeysPem: string[], registryAuth = 'e30='): Promise<{ Digest: string; KeyIndex: number }> =>
      this.call('POST', `/images/${seg(name)}/verify`, undefined, { PublicKeys: publicKeysPem }, { 'X-Registry-Auth': registryAuth }),
    tag: (name: string, repo: string, tag: string | undefined): Promise<void> => this.call('POST', `/images/${seg(name)}/tag`, { repo, tag }),
    remove: (name: string, q: { force?: boolean; noprune?: boolean } = {}): Promise<W.ImageDeleteItem[]> =>
      this.call('DELETE', `/images/${seg(name)}`, { force: q.force || undefined, noprune: q.noprune || undefined }),
    prune: (filters?: W.FilterMap): Promise<W.PruneImagesResponse> => this.call('POST', '/images/prune', { filters: encodeFilters(filters) }),
    /** GET /images/get?names=… : a tar stream */
    save: (names: string[]): Promise<IncomingMessage> => this.stream('GET', '/images/get', { names }),
    /** POST /images/load : tar in, JSON lines out */
    load: (tar: Readable, quiet: boolean): Promise<IncomingMessage> => this.stream('POST', '/images/load', { quiet }, tar, 'application/x-tar'),
    /** POST /images/create?fromSrc=- : tar in (the CLI labels it text/plain), JSON lines out */
    import: (tar: Readable, q: { repo?: string; tag?: string; message?: string; changes?: string[]; platform?: string }): Promise<IncomingMessage> =>
      this.stream('POST', '/images/create', { changes: q.changes?.length ? q.changes : undefined, fromSrc: '-', message: q.message || undefined, platform: q.platform || undefined, repo: q.repo || undefined, tag: q.tag || undefined }, tar, 'text/plain'),
    /** POST /images/create?fromImage= : JSON lines out */
    pull: (fromImage: string, tag: string | undefined, registryAuth = 'e30='): Promise<IncomingMessage> =>
      this.stream('POST', '/images/create', { fromImage, tag }, undefined, undefined, { 'X-Registry-Auth': registryAuth }),
    /** POST /images/{name}/push?tag= : JSON lines out */
    push: (name: string, tag: string | undefined, registryAuth = 'e30='): Promise<IncomingMessage> =>
      this.stream('POST', `/images/${seg(name)}/push`, { tag }, undefined, undefined, { 'X-Registry-Auth': registryAuth }),
  };

  /** POST /auth: checks credentials against a registry (the daemon does the talking) */
  auth(body: { username: string; password: string; serveraddress: string }): Promise<{ Status: string; IdentityToken?: string }> {
    return this.call('POST', '/auth', undefined, body);
  }

  readonly networks = {
    list: (filters?: W.FilterMap): Promise<N.Network[]> => this.call('GET', '/networks', { filters: encodeFilters(filters) }),
    inspect: (id: string): Promise<N.Network> => this.call('GET', `/networks/${seg(id)}`),
    create: (body: N.NetworkCreateRequest): Promise<N.NetworkCreateResponse> => this.call('POST', '/networks/create', undefined, body),
    remove: (id: string): Promise<void> => this.call('DELETE', `/networks/${seg(id)}`),
    connect: (id: string, body: N.NetworkConnectRequest): Promise<void> => this.call('POST', `/networks/${seg(id)}/connect`, undefined, body),
    disconnect: (id: string, body: N.NetworkDisconnectRequest): Promise<void> => this.call('POST', `/networks/${seg(id)}/disconnect`, undefined, body),
    prune: (filters?: W.FilterMap): Promise<N.NetworkPruneResponse> => this.call('POST', '/networks/prune', { filters: encodeFilters(filters) }),
  };

  readonly volumes = {
    list: (filters?: W.FilterMap): Promise<V.VolumeListResponse> => this.call('GET', '/volumes', { filters: encodeFilters(filters) }),
    inspect: (name: string): Promise<V.Volume> => this.call('GET', `/volumes/${seg(name)}`),
    create: (body: V.VolumeCreateRequest): Promise<V.Volume> => this.call('POST', '/volumes/create', undefined, body),
    remove: (name: string, force = false): Promise<void> => this.call('DELETE', `/volumes/${seg(name)}`, { force: force || undefined }),
    prune: (filters?: W.FilterMap): Promise<V.VolumePruneResponse> => this.call('POST', '/volumes/prune', { filters: encodeFilters(filters) }),
  };

  /** Berth's Kubernetes routes: YAML streams in. */
  readonly kube = {
    play: (yaml: string, q: { replace?: boolean } = {}): Promise<W.KubePlayResponse> =>
      this.versioned(yaml, () => this.transport.json({ method: 'POST', path: '/berth/kube/play', query: { replace: q.replace || undefined }, body: yaml, contentType: 'application/yaml' })),
    down: (yaml: string): Promise<W.KubeDownResponse> =>
      this.versioned(yaml, () => this.transport.json({ method: 'POST', path: '/berth/kube/down', body: yaml, contentType: 'application/yaml' })),
    generate: (names: string[], q: { service?: boolean } = {}): Promise<W.KubeGenerateResponse> => this.call('GET', '/berth/kube/generate', { names, service: q.service || undefined }),
  };

  /** Releases pooled keep-alive sockets so the process can exit. */
  close(): void {
    this.transport.close();
  }
}

/**
 * Docker-compatible credentials: the `auths` map of a `~/.docker/config.json`
 * style file (base64 "user:pass"), `login` that checks them against the
 * registry, and decoding of the `X-Registry-Auth` header. The file path is
 * given by the caller; nothing here reads the environment.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError } from '../../base/errors';
import { writeFileAtomic } from '../../state/atomic-file';
import { credentialKey, normalizeServerAddress, registryEndpoints, type EndpointOptions } from './endpoint';
import { RegistryClient, RegistryResponseError, type AuthConfig } from './registry-client';

interface ConfigFileAuth {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

interface ConfigFile {
  auths?: Record<string, ConfigFileAuth>;
  [k: string]: unknown;
}

async function readConfig(file: string): Promise<ConfigFile> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as ConfigFile;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new InvalidArgumentError(`reading ${file}: ${(e as Error).message}`, 'BAD_AUTH_CONFIG');
  }
}

/** The entry for a registry domain; Docker also matches keys written as URLs. */
function findEntry(auths: Record<string, ConfigFileAuth>, domain: string): ConfigFileAuth | undefined {
  const key = credentialKey(domain);
  if (auths[key]) return auths[key];
  for (const [k, v] of Object.entries(auths)) if (normalizeServerAddress(k) === domain) return v;
  return undefined;
}

/** Credentials stored for a registry domain ("docker.io", "127.0.0.1:5000"), if any. */
export async function readCredentials(file: string, domain: string): Promise<AuthConfig | undefined> {
  const cfg = await readConfig(file);
  const e = findEntry(cfg.auths ?? {}, domain);
  if (!e) return undefined;
  const out: AuthConfig = { serverAddress: domain };
  if (e.auth) {
    const plain = Buffer.from(e.auth, 'base64').toString('utf8');
    const i = plain.indexOf(':');
    if (i < 0) throw new InvalidArgumentError(`invalid auth configuration file ${file}`, 'BAD_AUTH_CONFIG');
    out.username = plain.slice(0, i);
    out.password = plain.slice(i + 1);
  } else {
    if (e.username !== undefined) out.username = e.username;
    if (e.password !== undefined) out.password = e.password;
  }
  if (e.identitytoken) out.identityToken = e.identitytoken;
  return out;
}

/** Stores (or replaces) credentials, keeping every other field of the file. Mode 0600: it holds passwords. */
export async function writeCredentials(file: string, domain: string, auth: AuthConfig): Promise<void> {
  const cfg = await readConfig(file);
  const auths = { ...(cfg.auths ?? {}) };
  const entry: ConfigFileAuth = {};
  if (auth.identityToken) {
    entry.auth = Buffer.from(`${auth.username ?? ''}:`).toString('base64');
    entry.identitytoken = auth.identityToken;
  } else {
    entry.auth = Buffer.from(`${auth.username ?? ''}:${auth.password ?? ''}`).toString('base64');
  }
  auths[credentialKey(domain)] = entry;
  await fs.mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, `${JSON.stringify({ ...cfg, auths }, null, '\t')}\n`, 0o600);
}

/** `docker logout`: true when something was removed. */
export async function removeCredentials(file: string, domain: string): Promise<boolean> {
  const cfg = await readConfig(file);
  const auths = { ...(cfg.auths ?? {}) };
  let removed = false;
  for (const k of Object.keys(auths)) {
    if (k === credentialKey(domain) || normalizeServerAddress(k) === domain) {
      delete auths[k];
      removed = true;
    }
  }
  if (removed) await writeFileAtomic(file, `${JSON.stringify({ ...cfg, auths }, null, '\t')}\n`, 0o600);
  return removed;
}

export interface LoginResult {
  status: 'Login Succeeded';
  identityToken: string;
}

/**
 * Checks credentials against `server` as dockerd's POST /auth does: GET /v2/,
 * and on a challenge, Basic or a token request with the credentials.
 * Throws Unauthorized with Docker's wording on a 401.
 */
export async function login(client: RegistryClient, server: string, username: string, password: string, opts: EndpointOptions & { signal?: AbortSignal } = {}): Promise<LoginResult> {
  const domain = normalizeServerAddress(server);
  const endpoint = registryEndpoints(domain, { ...client.options, ...opts }, true)[0]!;
  const url = `${endpoint.url}/v2/`;
  const first = await pingWith(client, url, undefined, opts.signal);
  if (first.status === 200) return { status: 'Login Succeeded', identityToken: '' };
  if (first.status !== 401) throw new RegistryResponseError(first.status, [], `login attempt to ${url} failed with status: ${first.status} ${first.statusText}`);
  // Let a session run the challenge (Basic or Bearer) with the credentials, on the registry root.
  const session = client.repository(endpoint, '', { auth: { username, password }, actions: [] });
  try {
    await session.checkLogin(opts.signal);
  } catch (e) {
    if (e instanceof RegistryResponseError && e.status === 401) {
      // a token server's own reason ("unauthorized: incorrect username or password") is kept
      if (e.errors.some((x) => x.message && x.message !== 'authentication required')) throw new RegistryResponseError(401, e.errors, '');
      throw new RegistryResponseError(401, [], `login attempt to ${url} failed with status: 401 Unauthorized`);
    }
    throw e;
  }
  return { status: 'Login Succeeded', identityToken: '' };
}

async function pingWith(client: RegistryClient, url: string, authorization: string | undefined, signal?: AbortSignal): Promise<Response> {
  const res = await client.fetch(url, { headers: authorization ? { Authorization: authorization } : {}, ...(signal ? { signal } : {}) });
  await res.arrayBuffer().catch(() => undefined);
  return res;
}

/** Base64 (std or url, padding optional), as clients send X-Registry-Auth. */
function decodeBase64Lenient(s: string): string {
  const std = s.trim().replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  return Buffer.from(std + '='.repeat((4 - (std.length % 4)) % 4), 'base64').toString('utf8');
}

/**
 * Decodes X-Registry-Auth (or `authconfig=`): base64 JSON {username, password,
 * serveraddress, identitytoken, registrytoken, auth}. Empty, `e30=` ({}) and
 * `null` mean anonymous → undefined.
 */
export function decodeRegistryAuth(header: string | undefined | null): AuthConfig | undefined {
  if (!header || !header.trim()) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(decodeBase64Lenient(header));
  } catch {
    throw new InvalidArgumentError('invalid X-Registry-Auth header: not base64-encoded JSON', 'BAD_REGISTRY_AUTH');
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const o = raw as Record<string, unknown>;
  const str = (k: string): string | undefined => {
    for (const key of Object.keys(o)) if (key.toLowerCase() === k && typeof o[key] === 'string' && o[key] !== '') return o[key] as string;
    return undefined;
  };
  const out: AuthConfig = {};
  let username = str('username');
  let password = str('password');
  const auth = str('auth');
  if (auth && username === undefined) {
    const plain = decodeBase64Lenient(auth);
    const i = plain.indexOf(':');
    if (i >= 0) {
      username = plain.slice(0, i);
      password = plain.slice(i + 1);
    }
  }
  if (username !== undefined) out.username = username;
  if (password !== undefined) out.password = password;
  const server = str('serveraddress');
  if (server) out.serverAddress = server;
  const idt = str('identitytoken');
  if (idt) out.identityToken = idt;
  const rt = str('registrytoken');
  if (rt) out.registryToken = rt;
  return Object.keys(out).length ? out : undefined;
}

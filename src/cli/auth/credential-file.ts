/**
 * The docker CLI's credential file: `auths` in <DOCKER_CONFIG or ~/.docker>/config.json,
 * each entry {"auth": base64("user:pass")} keyed by registry host[:port]
 * (Docker Hub: "https://index.docker.io/v1/"). Other keys are preserved.
 * Credentials reach the daemon as X-Registry-Auth, as the docker CLI sends them.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const HUB_AUTH_KEY = 'https://index.docker.io/v1/';

export interface RegistryCredentials {
  username: string;
  password: string;
  serveraddress: string;
}

type ConfigFile = { auths?: Record<string, { auth?: string }> } & Record<string, unknown>;

export function configFilePath(env: NodeJS.ProcessEnv): string {
  return path.join(env.DOCKER_CONFIG || path.join(env.HOME || os.homedir(), '.docker'), 'config.json');
}

/** "docker.io", "index.docker.io", "https://index.docker.io/v1/" → Hub's key; "http://h:5000/v2" → "h:5000". */
export function credentialKey(server: string): string {
  const host = server.trim().replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
  return !host || host === 'docker.io' || host === 'index.docker.io' || host === 'registry-1.docker.io' ? HUB_AUTH_KEY : host;
}

/** The registry a normalised repository ("127.0.0.1:5000/a/b", "docker.io/library/x") lives on. */
export function registryOfRepository(repository: string): string {
  return repository.split('/')[0]!;
}

async function readConfig(file: string): Promise<ConfigFile> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as ConfigFile;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new Error(`loading config file ${file}: ${(e as Error).message}`);
  }
}

async function writeConfig(file: string, cfg: ConfigFile): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  // temp file + rename: a crash never leaves half a config
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, `${JSON.stringify(cfg, null, '\t')}\n`, { mode: 0o600 });
  await fs.rename(tmp, file);
}

export async function readCredentials(env: NodeJS.ProcessEnv, server: string): Promise<RegistryCredentials | undefined> {
  const key = credentialKey(server);
  const auths = (await readConfig(configFilePath(env))).auths ?? {};
  const entry = auths[key] ?? Object.entries(auths).find(([k]) => credentialKey(k) === key)?.[1];
  if (!entry?.auth) return undefined;
  const plain = Buffer.from(entry.auth, 'base64').toString('utf8');
  const i = plain.indexOf(':');
  if (i < 0) return undefined;
  return { username: plain.slice(0, i), password: plain.slice(i + 1), serveraddress: key };
}

export async function storeCredentials(env: NodeJS.ProcessEnv, c: RegistryCredentials): Promise<string> {
  const file = configFilePath(env);
  const cfg = await readConfig(file);
  cfg.auths = { ...(cfg.auths ?? {}), [credentialKey(c.serveraddress)]: { auth: Buffer.from(`${c.username}:${c.password}`).toString('base64') } };
  await writeConfig(file, cfg);
  return file;
}

/** false when there was nothing stored for `server` */
export async function eraseCredentials(env: NodeJS.ProcessEnv, server: string): Promise<boolean> {
  const file = configFilePath(env);
  const cfg = await readConfig(file);
  const key = credentialKey(server);
  const keys = Object.keys(cfg.auths ?? {}).filter((k) => credentialKey(k) === key);
  if (!keys.length) return false;
  for (const k of keys) delete cfg.auths![k];
  await writeConfig(file, cfg);
  return true;
}

/** X-Registry-Auth: URL-safe base64 of the JSON (padded, as Go's URLEncoding wants); "{}" when anonymous. */
export function encodeRegistryAuth(c: RegistryCredentials | undefined): string {
  const json = c ? JSON.stringify(c) : '{}';
  return Buffer.from(json).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

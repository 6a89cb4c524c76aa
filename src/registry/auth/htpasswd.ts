/**
 * HTTP Basic auth against an htpasswd file of bcrypt entries (`htpasswd -B`).
 * Other hash kinds (MD5/SHA1/crypt) are refused at load time rather than
 * silently never matching.
 */
import { promises as fs } from 'node:fs';
import bcrypt from 'bcryptjs';

export type BasicAuthCheck = (authorization: string | undefined) => Promise<string | undefined>;

export function parseHtpasswd(text: string): Map<string, string> {
  const users = new Map<string, string>();
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`htpasswd line ${i + 1}: expected user:hash`);
    const user = line.slice(0, colon);
    const hash = line.slice(colon + 1);
    if (!/^\$2[aby]\$\d\d\$/.test(hash)) throw new Error(`htpasswd line ${i + 1}: only bcrypt entries (htpasswd -B) are supported`);
    users.set(user, hash);
  }
  return users;
}

export async function loadHtpasswd(file: string): Promise<Map<string, string>> {
  return parseHtpasswd(await fs.readFile(file, 'utf8'));
}

/**
 * Returns a checker giving the user name for a valid `Authorization: Basic` header.
 * bcrypt is slow by design and clients send credentials on every request, so
 * verified headers are remembered (bounded) for the life of the process.
 */
export function createBasicAuth(users: Map<string, string>): BasicAuthCheck {
  const verified = new Map<string, string>();
  return async (authorization) => {
    if (!authorization) return undefined;
    const hit = verified.get(authorization);
    if (hit !== undefined) return hit;
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
    if (!m) return undefined;
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    const user = decoded.slice(0, colon);
    const hash = users.get(user);
    if (!hash || !(await bcrypt.compare(decoded.slice(colon + 1), hash))) return undefined;
    if (verified.size > 1000) verified.clear();
    verified.set(authorization, user);
    return user;
  };
}

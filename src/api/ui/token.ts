/**
 * The dashboard's login token: made at daemon start, printed, and kept in a 0600 file under the exec
 * root (root reads it; the UI listener is TCP, so file permissions cannot guard it, the token does).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export const UI_TOKEN_FILE = 'ui-token';

export function newUiToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Written fresh (never through an existing file, whose mode or owner could differ). */
export async function writeUiToken(execRoot: string, token: string): Promise<string> {
  const file = path.join(execRoot, UI_TOKEN_FILE);
  await fs.rm(file, { force: true });
  await fs.writeFile(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  return file;
}

/** `Authorization: Bearer TOKEN`, compared in constant time (hashes make the lengths equal). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(m[1]!), digest(token));
}

/**
 * Adapter for tini, the init `--init` runs as /sbin/docker-init: its version as `docker version` lists it.
 */
import { runUnchecked } from '../platform/spawn';
import type { ComponentVersion } from './oci-runtime';

/** "tini version 0.19.0 - git.de40ad0" (upstream) or "tini version 0.19.0" (Debian's build: no commit). */
export function parseTiniVersion(text: string): ComponentVersion | undefined {
  const m = /^tini version (\S+)(?: - git\.(\S+))?/m.exec(text);
  return m ? { name: 'docker-init', version: m[1]!, commit: m[2] ?? '' } : undefined;
}

/** `binary --version`; undefined when it is missing or does not answer as tini. */
export async function readTiniVersion(binary: string): Promise<ComponentVersion | undefined> {
  const r = await runUnchecked([binary, '--version'], { timeoutMs: 10_000 }).catch(() => undefined);
  return r && r.exitCode === 0 ? parseTiniVersion(r.stdout) : undefined;
}

/**
 * The daemon's user namespace for --userns-remap, bind-mounted on a file in the
 * exec root: every remapped container joins it, and it owns every netns the
 * daemon makes, so containers may use their netns (sysfs, exec, low ports).
 * One namespace, kept while the daemon runs: containers differ in their other
 * namespaces, and share the host IDs of the remap either way.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { run } from './spawn';
import { isMounted, unmount } from './mount';
import { nativeToolPath } from './native-tool';
import { procMapText, type UsernsRemap } from './idmap';

export function usernsFileOf(execRoot: string): string {
  return path.join(execRoot, 'userns');
}

/** Makes the namespace, or keeps the one a previous daemon left to its running containers. */
export async function holdUsernsFile(execRoot: string, remap: UsernsRemap): Promise<string> {
  const file = usernsFileOf(execRoot);
  if (await isMounted(file)) {
    if ((await mappedText(file)) === procMapText(remap.uidMappings)) return file;
    await unmount(file); // another remap than the last daemon's: its containers keep their namespace alive
  }
  await fs.writeFile(file, '', { mode: 0o600 });
  await run([nativeToolPath('berth-userns'), 'create', file, procMapText(remap.uidMappings), procMapText(remap.gidMappings)], { timeoutMs: 10_000 });
  return file;
}

/** The uid_map of a namespace file, normalized like procMapText. */
async function mappedText(file: string): Promise<string> {
  const r = await run(['nsenter', `--user=${file}`, 'cat', '/proc/self/uid_map'], { timeoutMs: 10_000 }).catch(() => undefined);
  return (r?.stdout ?? '').trim().split('\n').map((l) => l.trim().split(/\s+/).join(' ')).join('\n');
}

/** At daemon stop, when no container uses it any more. */
export async function releaseUsernsFile(execRoot: string): Promise<void> {
  const file = usernsFileOf(execRoot);
  await unmount(file);
  await fs.rm(file, { force: true });
}

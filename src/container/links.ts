/**
 * Legacy links as dockerd shows them: a link names its target by id (renaming either side keeps it), and
 * both views are derived from the current names: the target gets the name `/<linker>/<alias>` in lists,
 * the linker's HostConfig.Links reads `/<target>:/<linker>/<alias>`. Pure.
 */
import type { ContainerRecord } from './types';

/** `name[:alias]` → the target's name and the alias (the name when none is given), both without a slash. */
export function parseLink(link: string): { name: string; alias: string } {
  const [name = '', alias] = link.split(':');
  const n = name.replace(/^\//, '');
  const a = (alias ?? n).replace(/^\//, '');
  return { name: n, alias: a.includes('/') ? a.slice(a.lastIndexOf('/') + 1) : a };
}

/** The names a container is known by: its own, then `/<linker>/<alias>` for each container linking to it. */
export function namesOf(rec: ContainerRecord, all: ContainerRecord[]): string[] {
  const out = [`/${rec.name}`];
  for (const other of all) for (const l of other.spec.host.linkTargets ?? []) if (l.id === rec.id) out.push(`/${other.name}/${l.alias}`);
  return out;
}

/** HostConfig.Links of a linker in dockerd's inspect form; links whose target is gone are left out. */
export function linksOf(rec: ContainerRecord, all: ContainerRecord[]): string[] {
  const out: string[] = [];
  for (const l of rec.spec.host.linkTargets ?? []) {
    const target = all.find((r) => r.id === l.id);
    if (target) out.push(`/${target.name}:/${rec.name}/${l.alias}`);
  }
  return out;
}

/**
 * Declarative flag tables: each command lists its flags as data, typed against the
 * options interface its action receives, and this module turns them into commander options.
 */
import type { Command } from 'commander';

export type FlagKind = 'bool' | 'string' | 'list' | 'int';

export interface FlagSpec<K extends string = string> {
  /** commander syntax without the value placeholder: "-e, --env" */
  flags: string;
  /** the camelCase option key commander derives from the long name (checked against the options type) */
  key: K;
  kind: FlagKind;
  description: string;
  default?: string | number | boolean;
  hidden?: boolean;
}

/** A flag table whose keys must be keys of the options type `T`. */
export type FlagTable<T> = ReadonlyArray<FlagSpec<Extract<keyof T, string>>>;

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function parseInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new Error(`invalid argument "${value}": strconv.ParseInt: parsing "${value}": invalid syntax`);
  return n;
}

export function addFlags(cmd: Command, table: ReadonlyArray<FlagSpec>): void {
  const { Option } = require('commander') as typeof import('commander');
  for (const f of table) {
    const placeholder = f.kind === 'bool' ? '' : f.kind === 'list' ? ' <value>' : f.kind === 'int' ? ' <int>' : ' <string>';
    const opt = new Option(f.flags + placeholder, f.description);
    if (f.kind === 'list') opt.argParser(collect).default([]);
    else if (f.kind === 'int') opt.argParser(parseInteger);
    if (f.default !== undefined && f.kind !== 'list') opt.default(f.default);
    if (f.hidden) opt.hideHelp();
    cmd.addOption(opt);
  }
}

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

/**
 * Adds the table's flags. Returns commander's attribute name → our key for the
 * flags where they differ: commander names "--network, --net" after the last long
 * form ("net"), while the table's key says where the value belongs.
 */
export function addFlags(cmd: Command, table: ReadonlyArray<FlagSpec>): Map<string, string> {
  const { Option } = require('commander') as typeof import('commander');
  const renames = new Map<string, string>();
  for (const f of table) {
    const placeholder = f.kind === 'bool' ? '' : f.kind === 'list' ? ' <value>' : f.kind === 'int' ? ' <int>' : ' <string>';
    const opt = new Option(f.flags + placeholder, f.description);
    if (f.kind === 'list') opt.argParser(collect).default([]);
    else if (f.kind === 'int') opt.argParser(parseInteger);
    if (f.default !== undefined && f.kind !== 'list') opt.default(f.default);
    if (f.hidden) opt.hideHelp();
    cmd.addOption(opt);
    // commander stores "--no-trunc" as trunc=false (default true); the table's key (noTrunc) wants the flag itself
    if (opt.attributeName() !== f.key) renames.set(opt.attributeName(), opt.negate ? `!${f.key}` : f.key);
  }
  return renames;
}

/** Moves values from commander's attribute names to the table's keys. */
export function applyRenames(opts: Record<string, unknown>, renames: Map<string, string>): Record<string, unknown> {
  for (const [attr, target] of renames) {
    if (target.startsWith('!')) {
      if (attr in opts) opts[target.slice(1)] = opts[attr] === false;
      delete opts[attr];
      continue;
    }
    const key = target;
    if (attr in opts) {
      // a list flag's default ([]) must not hide values given under the other spelling
      if (!(key in opts) || (Array.isArray(opts[key]) && (opts[key] as unknown[]).length === 0)) opts[key] = opts[attr];
      delete opts[attr];
    }
  }
  return opts;
}

/** `--filter k=v` flags → Docker's filter map `{"k":{"v":true}}` (what the CLI sends). */
import type { FilterMap } from '../../client/wire-types';

export function parseFilterFlags(values: string[]): FilterMap | undefined {
  if (!values.length) return undefined;
  const out: FilterMap = {};
  for (const v of values) {
    const i = v.indexOf('=');
    if (i <= 0) throw new Error(`bad format of filter (expected name=value)`);
    const key = v.slice(0, i).trim().toLowerCase();
    (out[key] ??= {})[v.slice(i + 1)] = true;
  }
  return out;
}

/**
 * Compose variable interpolation: `$VAR`, `${VAR}`, `${VAR:-d}`, `${VAR-d}`,
 * `${VAR:?err}`, `${VAR?err}`, `${VAR:+alt}`, `${VAR+alt}`, nested templates in the
 * default/alternative/error part, and `$$` for a literal `$`. A `$` not followed by
 * a name or `{` stays literal, as compose leaves it (`echo $1` is fine).
 */

export type Lookup = (name: string) => string | undefined;

export class InterpolationError extends Error {
  override name = 'InterpolationError';
}

export interface SubstituteOptions {
  /** Called for each unset variable used without a default (compose warns and uses ""). */
  onMissing?: (name: string) => void;
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

function readName(s: string, i: number): number {
  if (i >= s.length || !NAME_START.test(s[i])) return i;
  let j = i + 1;
  while (j < s.length && NAME_CHAR.test(s[j])) j++;
  return j;
}

/** Index of the `}` closing a `${` whose body starts at `from`, skipping nested `${...}` and `$$`. */
function findClose(s: string, from: number): number {
  let depth = 0;
  for (let k = from; k < s.length; k++) {
    const c = s[k];
    if (c === '$' && (s[k + 1] === '$' || s[k + 1] === '{')) {
      if (s[k + 1] === '{') depth++;
      k++;
    } else if (c === '}') {
      if (depth === 0) return k;
      depth--;
    }
  }
  return -1;
}

function missingRequired(name: string, reason: string): InterpolationError {
  return new InterpolationError(
    reason ? `required variable ${name} is missing a value: ${reason}` : `required variable ${name} is missing a value`,
  );
}

/** Substitutes one string; throws InterpolationError with compose's messages. */
export function substitute(text: string, lookup: Lookup, opts: SubstituteOptions = {}): string {
  const invalid = (): InterpolationError => new InterpolationError(`Invalid template: ${JSON.stringify(text)}`);
  const get = (name: string): string => {
    const v = lookup(name);
    if (v === undefined) {
      opts.onMissing?.(name);
      return '';
    }
    return v;
  };
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next !== '{') {
      const end = readName(text, i + 1);
      if (end === i + 1) {
        out += '$';
        i++;
      } else {
        out += get(text.slice(i + 1, end));
        i = end;
      }
      continue;
    }
    const nameEnd = readName(text, i + 2);
    if (nameEnd === i + 2) throw invalid();
    const name = text.slice(i + 2, nameEnd);
    if (text[nameEnd] === '}') {
      out += get(name);
      i = nameEnd + 1;
      continue;
    }
    let j = nameEnd;
    const colon = text[j] === ':';
    if (colon) j++;
    const op = text[j];
    if (op !== '-' && op !== '?' && op !== '+') throw invalid();
    const close = findClose(text, j + 1);
    if (close < 0) throw invalid();
    // The argument is only expanded when used, so `${A:-${B:?x}}` doesn't fail when A is set.
    const arg = (): string => substitute(text.slice(j + 1, close), lookup, opts);
    const value = lookup(name);
    const unset = value === undefined || (colon && value === '');
    if (op === '-') out += unset ? arg() : (value as string);
    else if (op === '?') {
      if (unset) throw missingRequired(name, arg());
      out += value as string;
    } else out += unset ? '' : arg();
    i = close + 1;
  }
  return out;
}

/**
 * Interpolates every string in a parsed YAML tree (mapping keys are left alone).
 * Errors name the path, as compose does: `error while interpolating services.web.image: ...`.
 */
export function interpolate(value: unknown, lookup: Lookup, opts: SubstituteOptions = {}, path = ''): unknown {
  if (typeof value === 'string') {
    try {
      return substitute(value, lookup, opts);
    } catch (e) {
      if (e instanceof InterpolationError && path) {
        throw new InterpolationError(`error while interpolating ${path}: ${e.message}`);
      }
      throw e;
    }
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, lookup, opts, `${path}[${i}]`));
  // Only plain mappings are walked; other objects (YAML tag markers) are the caller's.
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolate(v, lookup, opts, path ? `${path}.${k}` : k);
    return out;
  }
  return value;
}

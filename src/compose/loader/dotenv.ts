/**
 * Compose's .env format: `KEY=value` lines, `#` comments, an optional `export `
 * prefix, `KEY: value` (compose accepts the YAML-ish form too), single quotes
 * (literal but for `\'`), double quotes (escapes, interpolation), quoted values
 * spanning lines, inline ` #` comments after unquoted values, and a bare `KEY`
 * taking its value from the lookup (dropped when the lookup has none).
 */
import { substitute, type Lookup } from './interpolate';

export class DotenvError extends Error {
  override name = 'DotenvError';
}

const KEY_CHAR = /[\p{L}\p{N}_.\-[\]]/u;

const DOUBLE_QUOTE_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', '"': '"', "'": "'" };

/** Resolves escapes in a double-quoted value; `\$` survives as `$$` so interpolation keeps it literal. */
function unescapeDouble(raw: string): string {
  return raw.replace(/\\(.)/gsu, (m, c: string) => (c === '$' ? '$$' : (DOUBLE_QUOTE_ESCAPES[c] ?? m)));
}

export function parseDotenv(text: string, lookup?: Lookup): Record<string, string> {
  const s = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const out: Record<string, string> = {};
  // The host environment wins over earlier keys of the same file, as it does for the project.
  const expand = (v: string): string =>
    substitute(v, (k) => {
      const fromLookup = lookup?.(k);
      return fromLookup !== undefined ? fromLookup : Object.hasOwn(out, k) ? out[k] : undefined;
    });
  let i = 0;
  let line = 1;
  const fail = (msg: string): never => {
    throw new DotenvError(`line ${line}: ${msg}`);
  };
  const lineEnd = (from: number): number => {
    const n = s.indexOf('\n', from);
    return n < 0 ? s.length : n;
  };
  while (i < s.length) {
    const c = s[i];
    if (c === '\n') {
      line++;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '#') {
      i = lineEnd(i);
      continue;
    }
    const exported = /^export[ \t]+/.exec(s.slice(i, i + 64));
    if (exported) i += exported[0].length;
    // The key runs to `=`, `:` or the end of the line.
    let j = i;
    while (j < s.length && s[j] !== '=' && s[j] !== ':' && s[j] !== '\n') j++;
    const rawKey = s.slice(i, j);
    const key = rawKey.trimEnd();
    for (const ch of key) {
      if (!KEY_CHAR.test(ch)) fail(`unexpected character ${JSON.stringify(ch)} in variable name ${JSON.stringify(s.slice(i, lineEnd(i)))}`);
    }
    if (j >= s.length || s[j] === '\n') {
      if (key === '') fail('empty variable name');
      const inherited = lookup?.(key);
      if (inherited !== undefined) out[key] = inherited;
      i = j;
      continue;
    }
    if (key === '') fail(`no variable name before ${JSON.stringify(s[j])}`);
    i = j + 1;
    while (s[i] === ' ' || s[i] === '\t') i++;
    const q = s[i];
    if (q === '"' || q === "'") {
      let k = i + 1;
      while (k < s.length && s[k] !== q) k += s[k] === '\\' && (q === '"' || s[k + 1] === q) ? 2 : 1;
      if (k >= s.length) fail(`unterminated quoted value for ${key}`);
      const raw = s.slice(i + 1, k);
      out[key] = q === "'" ? raw.replaceAll("\\'", "'") : expand(unescapeDouble(raw));
      line += raw.split('\n').length - 1;
      // Only blanks and a comment may follow the closing quote.
      const rest = s.slice(k + 1, lineEnd(k + 1));
      if (!/^[ \t]*(#.*)?$/.test(rest)) fail(`unexpected text after the quoted value of ${key}: ${JSON.stringify(rest)}`);
      i = lineEnd(k + 1);
      continue;
    }
    const end = lineEnd(i);
    let value = s.slice(i, end);
    const comment = value.search(/[ \t]#/);
    if (comment >= 0) value = value.slice(0, comment);
    out[key] = expand(value.trim());
    i = end;
  }
  return out;
}

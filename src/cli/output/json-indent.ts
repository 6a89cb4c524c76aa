/**
 * Re-indents raw JSON text without parsing it into JS values, so the daemon's
 * exact numbers and escapes survive (as `docker inspect` prints them).
 */
export function indentJson(raw: string, indent = '    ', baseLevel = 0): string {
  let out = '';
  let level = baseLevel;
  let inString = false;
  const nl = (): string => '\n' + indent.repeat(level);
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += raw[++i] ?? '';
      else if (c === '"') inString = false;
      continue;
    }
    switch (c) {
      case '"':
        inString = true;
        out += c;
        break;
      case '{':
      case '[': {
        // keep empty containers compact: {} and []
        let j = i + 1;
        while (j < raw.length && /\s/.test(raw[j]!)) j++;
        if (raw[j] === (c === '{' ? '}' : ']')) {
          out += c + raw[j];
          i = j;
        } else {
          level++;
          out += c + nl();
        }
        break;
      }
      case '}':
      case ']':
        level--;
        out += nl() + c;
        break;
      case ',':
        out += ',' + nl();
        break;
      case ':':
        out += ': ';
        break;
      case ' ':
      case '\n':
      case '\r':
      case '\t':
        break;
      default:
        out += c;
    }
  }
  return out;
}

/** `[ a, b ]` as docker inspect prints a list of raw JSON documents. */
export function indentJsonArray(rawItems: string[]): string {
  if (!rawItems.length) return '[]';
  return '[\n    ' + rawItems.map((r) => indentJson(r.trim(), '    ', 1)).join(',\n    ') + '\n]';
}

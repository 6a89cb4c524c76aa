/**
 * Go's encoding/json syntax errors, so a malformed body gets dockerd's words ("invalid JSON: invalid
 * character 'x' looking for beginning of value"), not V8's. A scanner over the first JSON value; it
 * runs only after JSON.parse failed. Pure.
 */

/** Go's quoteChar: 'x', '\'' and '"' as Go prints them. */
function quoteChar(c: string): string {
  if (c === "'") return `'\\''`;
  if (c === '"') return `'"'`;
  const code = c.codePointAt(0)!;
  if (code < 0x20) return `'\\x${code.toString(16).padStart(2, '0')}'`;
  return `'${c}'`;
}

const WS = new Set([' ', '\t', '\n', '\r']);

/** The message Go's decoder gives for `text`, or undefined when Go would accept its first value. */
export function goJsonSyntaxError(text: string): string | undefined {
  let i = 0;
  const bad = (ctx: string) => `invalid character ${quoteChar(String.fromCodePoint(text.codePointAt(i)!))} ${ctx}`;
  const ws = () => {
    while (i < text.length && WS.has(text[i]!)) i++;
  };
  class Stop {
    constructor(readonly msg: string) {}
  }
  const need = () => {
    if (i >= text.length) throw new Stop('unexpected EOF');
  };
  const literal = (word: string) => {
    for (let k = 0; k < word.length; k++, i++) {
      need();
      if (text[i] !== word[k]) throw new Stop(bad(`in literal ${word} (expecting ${quoteChar(word[k]!)})`));
    }
  };
  const string = () => {
    i++; // opening quote
    for (;;) {
      need();
      const c = text[i]!;
      if (c === '"') return void i++;
      if (c === '\\') {
        i++;
        need();
        if (text[i] === 'u') {
          for (let k = 0; k < 4; k++) {
            i++;
            need();
            if (!/[0-9a-fA-F]/.test(text[i]!)) throw new Stop(bad('in \\u hexadecimal character escape'));
          }
        } else if (!'"\\/bfnrt'.includes(text[i]!)) throw new Stop(bad('in string escape code'));
      } else if (c.charCodeAt(0) < 0x20) throw new Stop(bad('in string literal'));
      i++;
    }
  };
  const number = () => {
    if (text[i] === '-') {
      i++;
      need();
      if (!/[0-9]/.test(text[i]!)) throw new Stop(bad('in numeric literal'));
    }
    if (text[i] === '0') i++;
    else while (i < text.length && /[0-9]/.test(text[i]!)) i++;
    if (text[i] === '.') {
      i++;
      need();
      if (!/[0-9]/.test(text[i]!)) throw new Stop(bad('after decimal point in numeric literal'));
      while (i < text.length && /[0-9]/.test(text[i]!)) i++;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      need();
      if (!/[0-9]/.test(text[i]!)) throw new Stop(bad('in exponent of numeric literal'));
      while (i < text.length && /[0-9]/.test(text[i]!)) i++;
    }
  };
  const value = (): void => {
    ws();
    need();
    const c = text[i]!;
    if (c === '{') {
      i++;
      ws();
      need();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        need();
        if (text[i] !== '"') throw new Stop(bad('looking for beginning of object key string'));
        string();
        ws();
        need();
        if (text[i] !== ':') throw new Stop(bad('after object key'));
        i++;
        value();
        ws();
        need();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') return void i++;
        throw new Stop(bad('after object key:value pair'));
      }
    }
    if (c === '[') {
      i++;
      ws();
      need();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        need();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') return void i++;
        throw new Stop(bad('after array element'));
      }
    }
    if (c === '"') return string();
    if (c === '-' || /[0-9]/.test(c)) return number();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    throw new Stop(bad('looking for beginning of value'));
  };
  try {
    value();
    return undefined;
  } catch (e) {
    if (e instanceof Stop) return e.msg;
    throw e;
  }
}

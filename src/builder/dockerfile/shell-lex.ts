/**
 * Variable expansion and quote removal for Dockerfile words, the POSIX-shell
 * subset the builder implements ($VAR, ${VAR}, ${VAR:-x} and friends, quotes,
 * the escape token). Nothing is executed: `$(...)` and backticks stay literal.
 */
import { InvalidArgumentError } from '../../base/errors';

export type ShellEnv = Map<string, string> | Record<string, string>;

export class ShellExpansionError extends InvalidArgumentError {
  constructor(message: string) {
    super(message, 'SHELL_EXPANSION');
    this.name = 'ShellExpansionError';
  }
}

/** Expands and unquotes `word` into one string (spaces from variables are kept). */
export function processWord(word: string, env: ShellEnv, escapeToken = '\\'): string {
  return run(word, env, escapeToken).word;
}

/** Expands and unquotes `word`, splitting on unquoted blanks, including blanks that came from variables. */
export function processWords(word: string, env: ShellEnv, escapeToken = '\\'): string[] {
  return run(word, env, escapeToken).words;
}

function run(source: string, env: ShellEnv, escapeToken: string): { word: string; words: string[] } {
  try {
    return new Lexer(source, env, escapeToken).processStopOn(undefined);
  } catch (err) {
    if (err instanceof LexError) throw new ShellExpansionError(`failed to process "${source}": ${err.message}`);
    throw err;
  }
}

class LexError extends Error {}

/** Go's unicode.IsSpace. */
const isSpace = (ch: string): boolean => /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/.test(ch);
const isDigit = (ch: string): boolean => /\p{Nd}/u.test(ch);
const isNameChar = (ch: string): boolean => ch === '_' || /[\p{L}\p{Nd}]/u.test(ch);
/** POSIX special parameters: never set in a Dockerfile, so they expand to nothing. */
const SPECIAL_PARAMS = new Set(['@', '*', '#', '?', '-', '$', '!', '0']);

/**
 * Word splitting bookkeeping: characters that came from variables or plain
 * text split on blanks; quoted or escaped ones never do.
 */
class Words {
  private word = '';
  private readonly words: string[] = [];
  private inWord = false;

  addChar(ch: string): void {
    if (isSpace(ch)) {
      if (this.inWord && this.word.length > 0) {
        this.words.push(this.word);
        this.word = '';
        this.inWord = false;
      }
    } else {
      this.addRaw(ch);
    }
  }

  addRaw(s: string): void {
    this.word += s;
    this.inWord = true;
  }

  addString(s: string): void {
    for (const ch of s) this.addChar(ch);
  }

  result(): string[] {
    if (this.word.length > 0) {
      this.words.push(this.word);
      this.word = '';
      this.inWord = false;
    }
    return this.words;
  }
}

class Lexer {
  private readonly chars: string[];
  private pos = 0;

  constructor(
    source: string,
    private readonly env: ShellEnv,
    private readonly escapeToken: string,
  ) {
    this.chars = Array.from(source);
  }

  private peek(): string | undefined {
    return this.chars[this.pos];
  }

  private next(): string | undefined {
    return this.chars[this.pos++];
  }

  private getEnv(name: string): string | undefined {
    if (this.env instanceof Map) return this.env.get(name);
    return Object.prototype.hasOwnProperty.call(this.env, name) ? this.env[name] : undefined;
  }

  /**
   * Reads up to `stop` (consumed) or the end; a missing `stop` is an error.
   * `globOperand` keeps escaped glob characters escaped so a pattern treats them literally.
   */
  processStopOn(stop: string | undefined, globOperand = false): { word: string; words: string[] } {
    let result = '';
    const words = new Words();
    for (let ch = this.peek(); ch !== undefined; ch = this.peek()) {
      if (stop !== undefined && ch === stop) {
        this.pos++;
        return { word: result, words: words.result() };
      }
      if (ch === "'" || ch === '"') {
        const s = ch === "'" ? this.singleQuoted() : this.doubleQuoted();
        result += s;
        words.addRaw(s);
      } else if (ch === '$') {
        const s = this.dollar();
        result += s;
        words.addString(s);
      } else {
        this.pos++;
        if (ch === this.escapeToken) {
          // the token escapes the next char; at the very end it just disappears
          const escaped = this.next();
          if (escaped === undefined) break;
          words.addRaw(escaped);
          result += globOperand && '*?[]\\'.includes(escaped) ? `\\${escaped}` : escaped;
        } else {
          words.addChar(ch);
          result += ch;
        }
      }
    }
    if (stop !== undefined) throw new LexError(`unexpected end of statement while looking for matching ${stop}`);
    return { word: result, words: words.result() };
  }

  /** Everything up to the next ' is literal; nothing can be escaped inside. */
  private singleQuoted(): string {
    this.pos++;
    let out = '';
    for (;;) {
      const ch = this.next();
      if (ch === undefined) throw new LexError('unexpected end of statement while looking for matching single-quote');
      if (ch === "'") return out;
      out += ch;
    }
  }

  /** $ expands; the escape token escapes only " $ and itself, otherwise it stays literal. */
  private doubleQuoted(): string {
    this.pos++;
    let out = '';
    for (;;) {
      const ch = this.peek();
      if (ch === undefined) throw new LexError('unexpected end of statement while looking for matching double-quote');
      if (ch === '"') {
        this.pos++;
        return out;
      }
      if (ch === '$') {
        out += this.dollar();
        continue;
      }
      this.pos++;
      if (ch === this.escapeToken) {
        const after = this.peek();
        if (after === undefined) continue;
        if (after === '"' || after === '$' || after === this.escapeToken) {
          this.pos++;
          out += after;
          continue;
        }
      }
      out += ch;
    }
  }

  private name(): string {
    let name = '';
    for (let ch = this.peek(); ch !== undefined; ch = this.peek()) {
      if (name === '' && isDigit(ch)) {
        // positional parameter: all the digits, never set
        while (this.peek() !== undefined && isDigit(this.peek() as string)) name += this.next();
        return name;
      }
      if (name === '' && SPECIAL_PARAMS.has(ch)) {
        this.pos++;
        return ch;
      }
      if (!isNameChar(ch)) break;
      name += ch;
      this.pos++;
    }
    return name;
  }

  /** The operand of a ${...} modifier: a word of its own, itself expanded, up to `}`. */
  private operand(stop = '}', glob = false): string {
    try {
      return this.processStopOn(stop, glob).word;
    } catch (err) {
      if (err instanceof LexError && this.peek() === undefined) throw new LexError("syntax error: missing '}'");
      throw err;
    }
  }

  private dollar(): string {
    this.pos++;
    if (this.peek() !== '{') {
      const name = this.name();
      return name === '' ? '$' : (this.getEnv(name) ?? '');
    }
    this.pos++;
    const first = this.peek();
    if (first === undefined) throw new LexError("syntax error: missing '}'");
    if (first === '{' || first === '}' || first === ':') throw new LexError('syntax error: bad substitution');
    const name = this.name();
    const op = this.next();
    const value = this.getEnv(name);
    switch (op) {
      case '}':
        return value ?? '';
      case '?': {
        const word = this.operand();
        if (value === undefined) throw new LexError(`${name}: ${word || 'is not allowed to be unset'}`);
        return value;
      }
      case '+': {
        const word = this.operand();
        return value !== undefined ? word : '';
      }
      case '-': {
        const word = this.operand();
        return value ?? word;
      }
      case ':': {
        const modifier = this.next();
        const word = this.operand();
        switch (modifier) {
          case '+':
            return value ? word : '';
          case '-':
            return value ? value : word;
          case '?':
            if (value === undefined) throw new LexError(`${name}: ${word || 'is not allowed to be unset'}`);
            if (value === '') throw new LexError(`${name}: ${word || 'is not allowed to be empty'}`);
            return value;
          default:
            throw new LexError(`unsupported modifier (${modifier ?? ''}) in substitution`);
        }
      }
      case '#':
      case '%': {
        const longest = this.peek() === op;
        if (longest) this.pos++;
        const pattern = globRegex(this.operand('}', true));
        return op === '#' ? trimPrefix(value ?? '', pattern, longest) : trimSuffix(value ?? '', pattern, longest);
      }
      case '/': {
        const all = this.peek() === '/';
        if (all) this.pos++;
        const pattern = globRegex(this.operand('/', true));
        const replacement = this.operand();
        return replace(value ?? '', pattern, replacement, all);
      }
      default:
        throw new LexError(`unsupported modifier (${op ?? ''}) in substitution`);
    }
  }
}

/** Shell glob (*, ?, [...], escapes) -> anchored regex, for the # % / modifiers. */
function globRegex(glob: string): RegExp {
  let re = '';
  const chars = Array.from(glob);
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    if (ch === '*') re += '[\\s\\S]*';
    else if (ch === '?') re += '[\\s\\S]';
    else if (ch === '[') {
      const end = chars.indexOf(']', i + 2);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let body = chars.slice(i + 1, end);
      let negate = false;
      if (body[0] === '!' || body[0] === '^') {
        negate = true;
        body = body.slice(1);
      }
      re += `[${negate ? '^' : ''}${body.map((c) => (c === '-' ? '-' : escapeRegex(c))).join('')}]`;
      i = end;
    } else if (ch === '\\' && i + 1 < chars.length) re += escapeRegex(chars[++i] as string);
    else re += escapeRegex(ch);
  }
  return new RegExp(`^(?:${re})$`, 'u');
}

function escapeRegex(ch: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(ch) ? `\\${ch}` : ch;
}

function trimPrefix(value: string, pattern: RegExp, longest: boolean): string {
  const chars = Array.from(value);
  for (let k = 0; k <= chars.length; k++) {
    const n = longest ? chars.length - k : k;
    if (pattern.test(chars.slice(0, n).join(''))) return chars.slice(n).join('');
  }
  return value;
}

function trimSuffix(value: string, pattern: RegExp, longest: boolean): string {
  const chars = Array.from(value);
  for (let k = 0; k <= chars.length; k++) {
    const start = longest ? k : chars.length - k;
    if (pattern.test(chars.slice(start).join(''))) return chars.slice(0, start).join('');
  }
  return value;
}

/** The longest match at the leftmost position, as the shell does. */
function replace(value: string, pattern: RegExp, replacement: string, all: boolean): string {
  const chars = Array.from(value);
  let out = '';
  let i = 0;
  while (i <= chars.length) {
    let matchedEnd = -1;
    for (let end = chars.length; end >= i; end--) {
      if (pattern.test(chars.slice(i, end).join(''))) {
        matchedEnd = end;
        break;
      }
    }
    // an empty match replaces nothing: ${v/*/x} on "" stays ""
    if (matchedEnd > i) {
      out += replacement;
      i = matchedEnd;
      if (!all) return out + chars.slice(i).join('');
      continue;
    }
    if (i < chars.length) out += chars[i];
    i++;
  }
  return out;
}

/**
 * Dockerfile text -> raw instructions, with the line handling of Docker's parser
 * (directives, escape token, continuations, comments inside continuations) and
 * per-instruction argument shapes. No variable expansion happens here.
 */
import { DockerfileParseError, type Heredoc, type ParsedDockerfile, type RawInstruction } from './ast';
import { HEREDOC_COMMANDS, heredocsOf } from './heredoc';

/** Go's unicode.IsSpace (not JS \s: Go counts U+0085, not U+FEFF). */
const SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
const isSpace = (ch: string): boolean => SPACE.test(ch);
const trimLeftSpace = (s: string): string => s.replace(/^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/, '');
const trimSpace = (s: string): string =>
  trimLeftSpace(s).replace(/[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/, '');
/** Argument separators are ASCII blanks only (no newline: lines are already joined). */
const WHITESPACE_RUN = /[\t\v\f\r ]+/;

const DIRECTIVE = /^#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*$/;
/** `check` is a real directive too; it is accepted so it does not end the directive block. */
const KNOWN_DIRECTIVES = new Set(['escape', 'syntax', 'check']);

class Directives {
  escapeToken = '\\';
  syntax: string | undefined;
  /** The escape token as the last non-blank character continues the line, unless it is itself escaped. */
  continuation = continuationRegex('\\');
  private done = false;
  private readonly seen = new Set<string>();

  /** Directives count only in the leading run of `# key=value` lines; anything else ends that run. */
  consider(line: string, lineNo: number): void {
    if (this.done) return;
    const m = DIRECTIVE.exec(line);
    const key = m?.[1]?.toLowerCase();
    if (!m || key === undefined || !KNOWN_DIRECTIVES.has(key)) {
      this.done = true;
      return;
    }
    if (this.seen.has(key)) throw DockerfileParseError.at(lineNo, `only one ${key} parser directive can be used`);
    this.seen.add(key);
    const value = m[2] ?? '';
    if (key === 'escape') {
      if (value !== '`' && value !== '\\') {
        throw DockerfileParseError.at(lineNo, `invalid escape token '${value}' does not match \` or \\`);
      }
      this.escapeToken = value;
      this.continuation = continuationRegex(value);
    } else if (key === 'syntax') {
      this.syntax = value;
    }
  }
}

function continuationRegex(token: string): RegExp {
  const t = token === '\\' ? '\\\\' : token;
  return new RegExp(`(^|[^${t}])${t}[ \\t]*$`);
}

function isComment(line: string): boolean {
  return trimLeftSpace(line).startsWith('#');
}

/** One scanned line as Docker sees it: directives noted, comment lines emptied. */
function processLine(d: Directives, raw: string, stripLeft: boolean, lineNo: number): string {
  let line = raw.replace(/[\r\n]+$/, '');
  if (stripLeft) line = trimLeftSpace(line);
  d.consider(line, lineNo);
  return isComment(line) ? '' : line;
}

function trimContinuation(line: string, d: Directives): [string, boolean] {
  if (d.continuation.test(line)) return [line.replace(d.continuation, '$1'), false];
  return [line, true];
}

/** bufio.ScanLines: split on \n, a final newline does not start an empty line. */
function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export function parseDockerfile(text: string): ParsedDockerfile {
  const lines = splitLines(text.replace(/^\uFEFF/, ''));
  const d = new Directives();
  const instructions: RawInstruction[] = [];
  const warnings: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const startLine = i + 1;
    const first = processLine(d, lines[i++] ?? '', true, startLine);
    let [line, ended] = trimContinuation(first, d);
    if (ended && line === '') continue;

    let emptyContinuation = false;
    while (!ended && i < lines.length) {
      const raw = lines[i++] ?? '';
      const processed = processLine(d, raw, false, i);
      // comment lines inside a continued instruction are dropped without ending it
      if (isComment(raw)) continue;
      if (trimLeftSpace(processed) === '') {
        emptyContinuation = true;
        continue;
      }
      const [part, e] = trimContinuation(processed, d);
      line += part;
      ended = e;
    }
    if (trimSpace(line) === '') continue;
    if (emptyContinuation) warnings.push(`Empty continuation line found in: ${line}`);
    const node = nodeFromLine(line, d, startLine, i);
    if (HEREDOC_COMMANDS.has(node.cmd) && !node.json) {
      const docs: Heredoc[] = [];
      for (const doc of heredocsOf(line)) {
        let content = '';
        let terminated = false;
        while (i < lines.length) {
          const raw = (lines[i++] as string).replace(/\r$/, '');
          if ((doc.chomp ? raw.replace(/^\t+/, '') : raw) === doc.name) {
            terminated = true;
            break;
          }
          content += `${raw}\n`;
        }
        if (!terminated) throw DockerfileParseError.at(startLine, 'unterminated heredoc');
        docs.push({ ...doc, content });
      }
      if (docs.length > 0) {
        node.heredocs = docs;
        node.endLine = i;
      }
    }
    instructions.push(node);
  }
  if (warnings.length > 0) warnings.push('Empty continuation lines will become errors in a future release.');
  if (instructions.length === 0) throw new DockerfileParseError('file with no instructions', lines.length);
  const parsed: ParsedDockerfile = { escapeToken: d.escapeToken, instructions, warnings };
  if (d.syntax !== undefined) parsed.syntax = d.syntax;
  return parsed;
}

interface Parsed {
  args: string[];
  json: boolean;
  next?: RawInstruction;
}

type Handler = (rest: string, d: Directives, startLine: number, endLine: number) => Parsed;

function nodeFromLine(line: string, d: Directives, startLine: number, endLine: number): RawInstruction {
  const { cmd, flags, rest } = splitCommand(line);
  const handler = HANDLERS[cmd.toLowerCase()];
  if (!handler) throw DockerfileParseError.at(startLine, `unknown instruction: ${cmd}`);
  let parsed: Parsed;
  try {
    parsed = handler(rest, d, startLine, endLine);
  } catch (err) {
    if (err instanceof DockerfileParseError) throw err;
    throw DockerfileParseError.at(startLine, (err as Error).message);
  }
  const node: RawInstruction = {
    cmd: cmd.toLowerCase(),
    flags,
    args: parsed.args,
    json: parsed.json,
    original: line,
    startLine,
    endLine,
  };
  if (parsed.next) node.next = parsed.next;
  return node;
}

function splitCommand(line: string): { cmd: string; flags: string[]; rest: string } {
  const trimmed = trimSpace(line);
  const m = WHITESPACE_RUN.exec(trimmed);
  if (!m) return { cmd: trimmed, flags: [], rest: '' };
  const cmd = trimmed.slice(0, m.index);
  const { rest, flags } = extractFlags(trimmed.slice(m.index + m[0].length));
  return { cmd, flags, rest: trimSpace(rest) };
}

/**
 * Leading `--name[=value]` words. Quotes and backslashes inside them are
 * resolved (always `\`, whatever the escape token: Docker does the same);
 * a bare `--` ends the flags.
 */
function extractFlags(line: string): { rest: string; flags: string[] } {
  const flags: string[] = [];
  let pos = 0;
  for (;;) {
    while (pos < line.length && isSpace(line[pos] as string)) pos++;
    if (pos >= line.length) return { rest: '', flags };
    if (!line.startsWith('--', pos)) return { rest: line.slice(pos), flags };
    let word = '';
    let quote = '';
    let blankOk = false;
    for (; pos < line.length; pos++) {
      let ch = line[pos] as string;
      if (quote) {
        if (ch === quote) {
          quote = '';
          continue;
        }
      } else {
        if (isSpace(ch)) break;
        if (ch === '"' || ch === "'") {
          quote = ch;
          blankOk = true;
          continue;
        }
      }
      if (ch === '\\') {
        if (pos + 1 === line.length) {
          quote = '';
          continue;
        }
        ch = line[++pos] as string;
      }
      word += ch;
    }
    if (word === '--') return { rest: pos >= line.length ? '' : line.slice(pos), flags };
    if (blankOk || word.length > 0) flags.push(word);
  }
}

/**
 * Splits on unquoted blanks but keeps quotes and escapes in the words: the
 * values are unquoted later, at expansion time.
 */
function parseWords(rest: string, escapeToken: string): string[] {
  const words: string[] = [];
  const chars = Array.from(rest);
  let inWord = false;
  let quote = '';
  let word = '';
  let blankOk = false;
  const flush = (): void => {
    if (blankOk || word.length > 0) words.push(word);
    word = '';
    blankOk = false;
  };
  for (let pos = 0; pos < chars.length; pos++) {
    let ch = chars[pos] as string;
    if (!inWord) {
      if (isSpace(ch)) continue;
      inWord = true;
    }
    if (!quote) {
      if (isSpace(ch)) {
        inWord = false;
        flush();
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOk = true;
      } else if (ch === escapeToken) {
        if (pos + 1 === chars.length) continue;
        word += ch;
        ch = chars[++pos] as string;
      }
      word += ch;
      continue;
    }
    if (ch === quote) {
      quote = '';
    } else if (ch === escapeToken && quote !== "'") {
      // single quotes escape nothing; elsewhere the token keeps the next char verbatim
      if (pos + 1 === chars.length) {
        quote = '';
        continue;
      }
      word += ch;
      ch = chars[++pos] as string;
    }
    word += ch;
  }
  if (inWord) flush();
  return words;
}

const NOT_STRING_ARRAY = 'when using JSON array syntax, arrays must be comprised of strings only';

/** undefined when `rest` is not a JSON array at all (the caller falls back to shell form). */
function parseJsonArray(rest: string): string[] | undefined {
  const s = trimLeftSpace(rest);
  if (!s.startsWith('[')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(s);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value)) return undefined;
  const out: string[] = [];
  for (const v of value as unknown[]) {
    if (typeof v !== 'string') throw new Error(NOT_STRING_ARRAY);
    out.push(v);
  }
  return out;
}

function whitespaceDelimited(rest: string): Parsed {
  return { args: rest === '' ? [] : rest.split(WHITESPACE_RUN), json: false };
}

function maybeJson(rest: string): Parsed {
  if (rest === '') return { args: [], json: false };
  const arr = parseJsonArray(rest);
  return arr ? { args: arr, json: true } : { args: [rest], json: false };
}

function maybeJsonToList(rest: string): Parsed {
  const arr = parseJsonArray(rest);
  return arr ? { args: arr, json: true } : whitespaceDelimited(rest);
}

function single(rest: string): Parsed {
  return { args: rest === '' ? [] : [rest], json: false };
}

/** ENV/LABEL: `KEY name value` (legacy, one pair) or `KEY a=1 b=2`; which one is decided by the first word. */
function nameValues(what: string): Handler {
  return (rest, d) => {
    const words = parseWords(rest, d.escapeToken);
    if (words.length === 0) return { args: [], json: false };
    if (!(words[0] as string).includes('=')) {
      const m = WHITESPACE_RUN.exec(rest);
      if (!m) throw new Error(`${what} must have two arguments`);
      return { args: [rest.slice(0, m.index), rest.slice(m.index + m[0].length), ''], json: false };
    }
    const args: string[] = [];
    for (const w of words) {
      const eq = w.indexOf('=');
      if (eq < 0) throw new Error(`Syntax error - can't find = in ${goQuote(w)}. Must be of the form: name=value`);
      args.push(w.slice(0, eq), w.slice(eq + 1), '=');
    }
    return { args, json: false };
  };
}

function healthcheck(rest: string): Parsed {
  const m = /[\t\n\v\f\r \u0085\u00a0]/.exec(rest);
  const sep = m ? m.index : rest.length;
  if (sep === 0) return { args: [], json: false };
  const cmd = maybeJson(trimLeftSpace(rest.slice(sep)));
  return { args: [rest.slice(0, sep), ...cmd.args], json: cmd.json };
}

const HANDLERS: Record<string, Handler> = {
  add: maybeJsonToList,
  arg: (rest, d) => ({ args: parseWords(rest, d.escapeToken), json: false }),
  cmd: maybeJson,
  copy: maybeJsonToList,
  entrypoint: maybeJson,
  env: nameValues('ENV'),
  expose: whitespaceDelimited,
  from: whitespaceDelimited,
  healthcheck,
  label: nameValues('LABEL'),
  maintainer: single,
  onbuild: (rest, d, startLine, endLine) =>
    rest === '' ? { args: [], json: false } : { args: [], json: false, next: nodeFromLine(rest, d, startLine, endLine) },
  run: maybeJson,
  shell: maybeJson,
  stopsignal: single,
  user: single,
  volume: maybeJsonToList,
  workdir: single,
};

/** Go's strconv.Quote, for messages that quote user input the way Docker prints it. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    switch (ch) {
      case '"': out += '\\"'; continue;
      case '\\': out += '\\\\'; continue;
      case '\x07': out += '\\a'; continue;
      case '\b': out += '\\b'; continue;
      case '\f': out += '\\f'; continue;
      case '\n': out += '\\n'; continue;
      case '\r': out += '\\r'; continue;
      case '\t': out += '\\t'; continue;
      case '\v': out += '\\v'; continue;
    }
    if (ch === ' ' || /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(ch)) out += ch;
    else if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return out + '"';
}

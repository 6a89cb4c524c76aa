/**
 * Here-documents in RUN, COPY and ADD (Dockerfile frontend 1.4+), with the rules
 * of BuildKit's parser: a word `<<NAME` or `<<-NAME` (optionally after a file
 * descriptor number) opens one; the lines that follow, up to a line that is
 * exactly NAME (after leading tabs with `<<-`), are its content; a quoted NAME
 * (`<<"EOF"`, `<<'EOF'`, `<<E"O"F`) turns off variable expansion of the content.
 */
import type { Heredoc } from './ast';

const HEREDOC_WORD = /^(\d*)<<(-?)([^<]*)$/;

/** Commands whose lines may open here-documents. */
export const HEREDOC_COMMANDS = new Set(['run', 'copy', 'add']);

/** The line's words split on unquoted blanks, quotes and backslashes kept as written. */
function rawWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (!quote && /\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    inWord = true;
    word += ch;
    if (ch === '\\' && quote !== "'" && i + 1 < line.length) word += line[++i] as string;
    else if (!quote && (ch === '"' || ch === "'")) quote = ch;
    else if (ch === quote) quote = '';
  }
  if (inWord) words.push(word);
  return words;
}

/** Quote removal of a delimiter word. */
function unquote(word: string): string {
  let out = '';
  let quote = '';
  for (let i = 0; i < word.length; i++) {
    const ch = word[i] as string;
    if (ch === '\\' && quote !== "'" && i + 1 < word.length) out += word[++i] as string;
    else if (!quote && (ch === '"' || ch === "'")) quote = ch;
    else if (ch === quote) quote = '';
    else out += ch;
  }
  return out;
}

/** The here-document a word opens (content still empty), or undefined. */
export function parseHeredocWord(word: string): Omit<Heredoc, 'content'> | undefined {
  const m = HEREDOC_WORD.exec(word);
  if (!m) return undefined;
  const rest = m[3] as string;
  const name = unquote(rest);
  if (name === '' || rawWords(rest).length !== 1) return undefined;
  const quotes = (s: string): number => (s.match(/["']/g) ?? []).length;
  return { name, expand: quotes(name) === quotes(rest), chomp: m[2] === '-' };
}

/** The here-documents a logical line opens, in order. */
export function heredocsOf(line: string): Array<Omit<Heredoc, 'content'>> {
  return rawWords(line).flatMap((w) => parseHeredocWord(w) ?? []);
}

/** `<<-`: leading tabs removed from every content line. */
export function chompHeredocContent(content: string): string {
  return content.replace(/^\t+/gm, '');
}

/** The content as a step uses it (tabs stripped for `<<-`). */
export function heredocData(doc: Heredoc): string {
  return doc.chomp ? chompHeredocContent(doc.content) : doc.content;
}

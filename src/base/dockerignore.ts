/**
 * .dockerignore: which files of a build context are left out. Patterns use Go's
 * filepath.Match syntax (*, ?, [...], \ escapes) plus `**` for any number of
 * directories; the last matching pattern decides, `!` re-includes, and a
 * pattern that matches a directory covers everything below it.
 * Paths are context-relative with forward slashes.
 */
import { InvalidArgumentError } from './errors';

/** The patterns of a .dockerignore file, cleaned as Docker reads them. */
export function parseDockerignore(text: string): string[] {
  const patterns: string[] = [];
  for (const raw of text.replace(/^\uFEFF/, '').split('\n')) {
    const line = raw.replace(/\r$/, '');
    // only a '#' in the first column starts a comment
    if (line.startsWith('#')) continue;
    let pattern = line.trim();
    if (pattern === '') continue;
    const invert = pattern.startsWith('!');
    if (invert) pattern = pattern.slice(1).trim();
    if (pattern !== '') {
      pattern = cleanPath(pattern);
      if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    }
    patterns.push(invert ? `!${pattern}` : pattern);
  }
  return patterns;
}

export interface IgnoreMatcher {
  /** true if the file or directory at relPath is left out of the context. */
  ignores(relPath: string): boolean;
  /**
   * For an ignored directory: false when nothing below it can be re-included,
   * so a walker may skip it. Conservative: true when unsure.
   */
  mayIncludeUnder(relDir: string): boolean;
}

interface Pattern {
  exclusion: boolean;
  segments: string[];
  match: (path: string) => boolean;
}

export function createIgnoreMatcher(patterns: string[]): IgnoreMatcher {
  const compiled: Pattern[] = [];
  for (const raw of patterns) {
    let p = raw.trim();
    if (p === '') continue;
    const exclusion = p.startsWith('!');
    if (exclusion) {
      if (p.length === 1) throw new InvalidArgumentError('illegal exclusion pattern: "!"');
      p = p.slice(1);
    }
    p = cleanPath(p);
    if (p.length > 1 && p.startsWith('/')) p = p.slice(1);
    compiled.push({ exclusion, segments: p.split('/'), match: compilePattern(p) });
  }
  const hasExclusions = compiled.some((p) => p.exclusion);

  return {
    ignores(relPath: string): boolean {
      const path = relative(relPath);
      const parents = path.split('/').slice(0, -1);
      let ignored = false;
      for (const pattern of compiled) {
        // an exclusion can only un-ignore, an inclusion only ignore
        if (pattern.exclusion !== ignored) continue;
        let match = pattern.match(path);
        for (let i = 1; !match && i <= parents.length; i++) match = pattern.match(parents.slice(0, i).join('/'));
        if (match) ignored = !pattern.exclusion;
      }
      return ignored;
    },

    mayIncludeUnder(relDir: string): boolean {
      if (!hasExclusions) return false;
      const dir = relative(relDir).split('/');
      return compiled.some((p) => p.exclusion && canMatchUnder(p.segments, dir));
    },
  };
}

/** Could a path below `dir` (or `dir` itself, or an ancestor) match this pattern? */
function canMatchUnder(pattern: string[], dir: string[]): boolean {
  for (let i = 0; i < dir.length; i++) {
    const seg = pattern[i];
    // the pattern names an ancestor of dir, which covers everything below it
    if (seg === undefined) return true;
    // ** spans any number of directories: too open to rule out
    if (seg.includes('**')) return true;
    if (!compilePattern(seg)(dir[i] as string)) return false;
  }
  return true;
}

function relative(p: string): string {
  const c = cleanPath(p);
  return c.startsWith('/') ? c.slice(1) : c;
}

/** Go's path.Clean. */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(seg);
  }
  const joined = out.join('/');
  if (rooted) return `/${joined}`;
  return joined === '' ? '.' : joined;
}

const badPattern = (): InvalidArgumentError => new InvalidArgumentError('syntax error in pattern');

function escapeRegex(ch: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(ch) ? `\\${ch}` : ch;
}

/**
 * One pattern -> predicate. A leading `**` followed by plain text is a suffix
 * test and a trailing `**` after plain text a prefix test, as in Docker
 * (`**foo` matches "afoo"; `foo/**` does not match "foo" itself).
 */
function compilePattern(pattern: string): (path: string) => boolean {
  const chars = Array.from(pattern);
  let re = '';
  let kind: 'exact' | 'prefix' | 'suffix' | 'regex' = 'exact';
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    if (ch === '*') {
      if (chars[i + 1] !== '*') {
        re += '[^/]*';
        kind = 'regex';
        continue;
      }
      const start = i;
      i++;
      if (chars[i + 1] === '/') i++;
      if (i + 1 >= chars.length) {
        // trailing **: everything from here, like .gitignore
        if (kind === 'exact') kind = 'prefix';
        else {
          re += '.*';
          kind = 'regex';
        }
      } else {
        re += '(?:.*/)?';
        kind = 'regex';
      }
      if (start === 0) kind = 'suffix';
    } else if (ch === '?') {
      re += '[^/]';
      kind = 'regex';
    } else if (ch === '\\') {
      if (i + 1 < chars.length) {
        re += escapeRegex(chars[++i] as string);
        kind = 'regex';
      } else {
        re += '\\\\';
      }
    } else if (ch === '[') {
      const cls = readClass(chars, i);
      re += cls.regex;
      i = cls.end;
      kind = 'regex';
    } else {
      re += escapeRegex(ch);
    }
  }
  switch (kind) {
    case 'exact':
      return (path) => path === pattern;
    case 'prefix': {
      const prefix = pattern.slice(0, -2);
      return (path) => path.startsWith(prefix);
    }
    case 'suffix': {
      const suffix = pattern.slice(2);
      // **/foo also matches "foo" at the top
      return (path) => path.endsWith(suffix) || (suffix.startsWith('/') && path === suffix.slice(1));
    }
    case 'regex': {
      const regex = new RegExp(`^${re}$`, 'u');
      return (path) => regex.test(path);
    }
  }
}

/** A [...] class in filepath.Match syntax: optional ^, ranges a-z, \ escapes; empty classes are errors. */
function readClass(chars: string[], open: number): { regex: string; end: number } {
  let i = open + 1;
  let negate = false;
  if (chars[i] === '^') {
    negate = true;
    i++;
  }
  const esc = (): string => {
    let c = chars[i];
    if (c === undefined || c === '-' || c === ']') throw badPattern();
    if (c === '\\') {
      c = chars[++i];
      if (c === undefined) throw badPattern();
    }
    i++;
    return c;
  };
  let body = '';
  let ranges = 0;
  for (;;) {
    if (chars[i] === ']' && ranges > 0) break;
    const lo = esc();
    let range = escapeRegex(lo);
    if (chars[i] === '-') {
      i++;
      const hi = esc();
      // a reversed range matches nothing in Go but is a syntax error in a JS class
      if ((hi.codePointAt(0) as number) < (lo.codePointAt(0) as number)) range = '';
      else range += `-${escapeRegex(hi)}`;
    }
    body += range;
    ranges++;
  }
  return { regex: `[${negate ? '^' : ''}${body}]`, end: i };
}

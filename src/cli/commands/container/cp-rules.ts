/**
 * The docker CLI's `cp` rules, pure: which argument is the container's, how a
 * source's entries are renamed for a destination (file into dir, dir to new
 * name, "dir/." contents), Docker's error wording, and its size display.
 */
import * as path from 'node:path';
import { CliExit } from '../../exit-codes';

/** One side of a copy, as docker's archive.CopyInfo. */
export interface CopyInfo {
  path: string;
  exists: boolean;
  isDir: boolean;
  /** name the source's entries take instead of its base name (symlink followed with -L) */
  rebaseName?: string;
}

/** "ctr:/p" → container side; absolute paths and "./x:y" stay local (docker's splitCpArg). */
export function splitCpArg(arg: string): { container?: string; path: string } {
  if (arg.startsWith('/')) return { path: arg };
  const i = arg.indexOf(':');
  if (i < 0 || arg.startsWith('.')) return { path: arg };
  return { container: arg.slice(0, i), path: arg.slice(i + 1) };
}

/** Whether the path names a directory's contents ("x/.") */
function specifiesCurrentDir(p: string): boolean {
  return path.posix.basename(p) === '.';
}

/** A cleaned path keeps the "/." or "/" the user typed (they mean "contents of" and "a directory"). */
export function preserveTrailingDotOrSeparator(cleaned: string, original: string): string {
  if (specifiesCurrentDir(original) && !specifiesCurrentDir(cleaned)) return cleaned.endsWith('/') ? cleaned + '.' : cleaned + '/.';
  if (original.endsWith('/') && !cleaned.endsWith('/')) return cleaned + '/';
  return cleaned;
}

/** docker's SplitPathDirEntry: "/a/b/" → ["/a", "b"], "/a/b/." → ["/a/b", "."]. */
export function splitPathDirEntry(p: string): [string, string] {
  let cleaned = path.posix.normalize(p);
  if (cleaned.length > 1) cleaned = cleaned.replace(/\/+$/, '');
  if (specifiesCurrentDir(p)) cleaned = cleaned === '/' ? '/.' : `${cleaned}/.`;
  return [path.posix.dirname(cleaned), path.posix.basename(cleaned) || '/'];
}

export function assertsDirectory(p: string): boolean {
  return p.endsWith('/') || specifiesCurrentDir(p);
}

/** docker's GetRebaseName: the name the followed link's entries should carry. */
export function getRebaseName(p: string, resolved: string): { resolved: string; rebaseName: string } {
  let r = resolved;
  if (specifiesCurrentDir(p) && !specifiesCurrentDir(r)) r += '/.';
  else if (p.endsWith('/') && !r.endsWith('/')) r += '/';
  const a = path.posix.basename(p);
  const b = path.posix.basename(r);
  return { resolved: r, rebaseName: a !== b ? a : '' };
}

/**
 * docker's PrepareArchiveCopy: the directory to extract into and the renaming of the
 * source's first path component ([from, to]), or Docker's error.
 */
export function prepareArchiveCopy(src: CopyInfo, dst: CopyInfo): { dstDir: string; rebase?: [string, string] } {
  const [dstDir, dstBase] = splitPathDirEntry(dst.path);
  const [, srcBase] = splitPathDirEntry(src.path);
  if (dst.exists && dst.isDir) return src.rebaseName ? { dstDir: dst.path, rebase: [srcBase, src.rebaseName] } : { dstDir: dst.path };
  if (dst.exists && src.isDir) throw new CliExit(1, 'cannot copy directory');
  if (dst.exists || src.isDir) return { dstDir, rebase: [srcBase, dstBase] };
  if (assertsDirectory(dst.path)) throw new CliExit(1, 'no such directory');
  return { dstDir, rebase: [srcBase, dstBase] };
}

/** An entry name with its first component renamed (docker's RebaseArchiveEntries). */
export function rebaseEntry(name: string, rebase: [string, string] | undefined): string {
  if (!rebase) return name;
  const [from, to] = rebase;
  if (from === '/') return name.startsWith('/') ? to + name : name; // the container's root: "/bin/x" → "out/bin/x"
  const trimmed = name.replace(/^\.\/(?=.)/, from === '.' ? './' : '');
  if (trimmed === from) return to;
  if (trimmed.startsWith(from + '/')) return to + trimmed.slice(from.length);
  return name;
}

/** go-units HumanSize: decimal units, three significant digits ("2.05kB", "1.99MB", "512B"). */
export function humanSize(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(3))}${units[i]}`;
}

/**
 * The local side of `berth cp`: stat of the source and destination as the
 * docker CLI does them (Go's error wording), the source as a tar, and the
 * daemon's tar extracted into a local directory. Extraction never chowns (the
 * files belong to whoever runs cp, as with docker cp), refuses names that climb
 * out of the destination, and never writes through a symlink the archive made.
 */
import { createWriteStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { packTree } from '../../../platform/tar-tree';
import { CliExit } from '../../exit-codes';
import { getRebaseName, preserveTrailingDotOrSeparator, splitPathDirEntry, type CopyInfo } from './cp-rules';

type ErrnoError = NodeJS.ErrnoException;

/** Go's *PathError text: "lstat /x: no such file or directory". */
function goPathError(op: string, p: string, e: unknown): CliExit {
  const code = (e as ErrnoError).code;
  const text = code === 'ENOENT' ? 'no such file or directory' : code === 'ENOTDIR' ? 'not a directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
  return new CliExit(1, `${op} ${p}: ${text}`);
}

/** An absolute local path that keeps a trailing "/" or "/.". */
export function resolveLocalPath(p: string): string {
  return preserveTrailingDotOrSeparator(path.resolve(p), p);
}

async function realpathOrThrow(p: string): Promise<string> {
  try {
    return await fs.realpath(p);
  } catch (e) {
    throw goPathError('lstat', p.replace(/\/+$/, '') || '/', e);
  }
}

/** docker's CopyInfoSourcePath: the parent's links resolved, the source itself only with -L. */
export async function copyInfoSourcePath(p: string, followLink: boolean): Promise<CopyInfo> {
  let resolved: string;
  let rebaseName = '';
  if (followLink) {
    const r = getRebaseName(p, await realpathOrThrow(p));
    resolved = r.resolved;
    rebaseName = r.rebaseName;
  } else {
    const dir = path.dirname(p.replace(/\/+$/, '') || '/');
    const base = p.endsWith('/.') ? '.' : path.basename(p);
    resolved = path.join(await realpathOrThrow(dir), base);
    if (p.endsWith('/') && !resolved.endsWith('/')) resolved += '/';
  }
  let st;
  try {
    st = await fs.lstat(resolved);
  } catch (e) {
    throw goPathError('lstat', resolved.replace(/(.)\/+$/, '$1'), e);
  }
  return { path: resolved, exists: true, isDir: st.isDirectory(), ...(rebaseName ? { rebaseName } : {}) };
}

/** docker's CopyInfoDestinationPath: links followed (10 at most); a missing path needs its parent. */
export async function copyInfoDestinationPath(p: string): Promise<CopyInfo> {
  let cur = p;
  for (let n = 0; ; n++) {
    const st = await fs.lstat(cur).catch((e: ErrnoError) => e);
    if (st instanceof Error) {
      if (st.code !== 'ENOENT') throw goPathError('lstat', cur, st);
      const [parent] = splitPathDirEntry(cur);
      const ps = await fs.stat(parent).catch((e: ErrnoError) => {
        throw goPathError('stat', parent, e);
      });
      if (!ps.isDirectory()) throw new CliExit(1, 'not a directory');
      return { path: cur, exists: false, isDir: false };
    }
    if (!st.isSymbolicLink()) return { path: cur, exists: true, isDir: st.isDirectory() };
    if (n >= 10) throw new CliExit(1, `too many symlinks in ${p}`);
    const target = await fs.readlink(cur);
    cur = path.isAbsolute(target) ? target : path.join(splitPathDirEntry(cur)[0], target);
  }
}

/** docker's ValidateOutputPath: the destination's directory must exist; an existing path must be a dir or a file. */
export async function validateOutputPath(p: string): Promise<void> {
  const dir = path.dirname(path.normalize(p));
  if (dir !== '.' && !(await fs.stat(dir).then(() => true, () => false))) throw new CliExit(1, `invalid output path: directory "${dir}" does not exist`);
  const st = await fs.stat(p).catch(() => undefined);
  if (st && !st.isDirectory() && !st.isFile()) throw new CliExit(1, `invalid output path: "${p}" must be a directory or a regular file`);
}

/** The source as a tar whose entries start with `rootName`. */
export function tarLocalSource(src: CopyInfo, rootName: string): Readable {
  const root = src.path.replace(/(.)\/+$/, '$1');
  return packTree({ hostPathOf: (p) => p }, root, rootName);
}

/** Extracts the daemon's tar into `dstDir`, names passed through `rename` first. */
export async function extractLocal(src: Readable, dstDir: string, rename: (name: string) => string): Promise<void> {
  const extract = tar.extract();
  src.on('error', (e) => extract.destroy(e));
  src.pipe(extract);
  const made = new Set<string>(); // symlinks this archive created: never written through
  const dirTimes: Array<[string, Date]> = [];
  for await (const entry of extract) {
    const h = entry.header;
    const name = rename(h.name);
    const rel = path.posix.normalize(name.replace(/^\/+/, '')).replace(/\/+$/, '');
    if (rel === '.' || rel === '') {
      entry.resume();
      continue;
    }
    if (rel === '..' || rel.startsWith('../')) throw new CliExit(1, `invalid tar entry "${h.name}": it would land outside ${dstDir}`);
    const target = path.join(dstDir, rel);
    for (let p = path.dirname(target); p.length > dstDir.length; p = path.dirname(p)) {
      if (made.has(p)) throw new CliExit(1, `invalid tar entry "${h.name}": it goes through the symlink ${p}`);
    }
    await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
    const existing = await fs.lstat(target).catch(() => undefined);
    const isDir = h.type === 'directory';
    if (existing) {
      if (existing.isDirectory() && !isDir) throw new CliExit(1, `cannot overwrite directory "${target}" with non-directory "${dstDir}"`);
      if (!existing.isDirectory() && isDir) throw new CliExit(1, `cannot overwrite non-directory "${target}" with directory "${dstDir}"`);
      if (!isDir) await fs.rm(target, { force: true });
    }
    const mode = (h.mode ?? 0o644) & 0o7777;
    const mtime = h.mtime ?? new Date();
    switch (h.type) {
      case 'directory':
        if (!existing) await fs.mkdir(target, { mode: 0o700 });
        await fs.chmod(target, mode);
        dirTimes.push([target, mtime]);
        entry.resume();
        break;
      case 'symlink':
        await fs.symlink(h.linkname ?? '', target);
        made.add(target);
        entry.resume();
        break;
      case 'link': {
        const from = path.join(dstDir, path.posix.normalize(rename(h.linkname ?? '').replace(/^\/+/, '')));
        if (!from.startsWith(dstDir + '/')) throw new CliExit(1, `invalid tar entry "${h.name}": hard link outside ${dstDir}`);
        await fs.link(from, target);
        entry.resume();
        break;
      }
      case 'file':
      case 'contiguous-file':
        await pipeline(entry, createWriteStream(target, { flags: 'wx', mode: 0o600 }));
        await fs.chmod(target, mode);
        await fs.utimes(target, mtime, mtime);
        break;
      default:
        entry.resume(); // device nodes and fifos need privileges the CLI may not have: skipped
    }
  }
  for (const [p, t] of dirTimes.reverse()) await fs.utimes(p, t, t);
}

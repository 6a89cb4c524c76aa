/**
 * Unpacks one layer tar into a directory in overlayfs form. OCI whiteouts
 * become what overlayfs reads: `.wh.x` → a 0/0 character device `x`,
 * `.wh..wh..opq` → the `trusted.overlay.opaque=y` xattr on its directory.
 * Nothing is ever written outside the target: `..` is refused, and no path is
 * created through a symlink (the classic `a -> /etc`, then `a/passwd` escape).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { extract, type Headers } from 'tar-stream';
import { InvalidArgumentError } from '../base/errors';
import { run } from '../platform/spawn';

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE = '.wh..wh..opq';

/** Cleans an entry name to a relative path; refuses `..` (pure, unit-tested). */
export function cleanEntryPath(name: string): string {
  const parts: string[] = [];
  for (const p of name.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') throw new InvalidArgumentError(`invalid tar entry ${JSON.stringify(name)}: path escapes the layer`, 'TAR_PATH_ESCAPE');
    parts.push(p);
  }
  return parts.join('/');
}

/** Refuses to go through a symlink on the way to `rel` (its parents only). */
async function assertNoSymlinkParents(root: string, rel: string): Promise<void> {
  const parts = rel.split('/');
  let cur = root;
  for (let i = 0; i < parts.length - 1; i++) {
    cur = path.join(cur, parts[i]!);
    const st = await fs.lstat(cur).catch(() => undefined);
    if (!st) return; // will be created as a directory
    if (st.isSymbolicLink()) throw new InvalidArgumentError(`invalid tar entry ${JSON.stringify(rel)}: path goes through a symlink`, 'TAR_SYMLINK_ESCAPE');
    if (!st.isDirectory()) throw new InvalidArgumentError(`invalid tar entry ${JSON.stringify(rel)}: parent is not a directory`, 'TAR_BAD_PARENT');
  }
}

async function ensureParents(root: string, rel: string): Promise<void> {
  const dir = path.dirname(path.join(root, rel));
  if (dir.length > root.length) await fs.mkdir(dir, { recursive: true, mode: 0o755 });
}

/** Replace whatever is at `p` unless both are directories (tar may list a dir twice). */
async function clearFor(p: string, type: Headers['type']): Promise<void> {
  const st = await fs.lstat(p).catch(() => undefined);
  if (!st) return;
  if (st.isDirectory() && type === 'directory') return;
  await fs.rm(p, { recursive: true, force: true });
}

async function setXattrs(p: string, pax: Record<string, string> | undefined): Promise<void> {
  if (!pax) return;
  for (const [k, v] of Object.entries(pax)) {
    if (!k.startsWith('SCHILY.xattr.')) continue;
    const name = k.slice('SCHILY.xattr.'.length);
    await run(['setfattr', '-h', '-n', name, '-v', `0x${Buffer.from(v, 'binary').toString('hex')}`, p]);
  }
}

export interface UnpackResult {
  /** bytes of regular file content */
  size: number;
}

export async function unpackLayer(src: Readable, root: string): Promise<UnpackResult> {
  const ex = extract();
  let size = 0;
  const dirTimes: Array<{ p: string; mtime: Date }> = [];
  const done = new Promise<void>((resolve, reject) => {
    ex.on('finish', resolve);
    ex.on('error', reject);
    src.on('error', reject);
  });
  ex.on('entry', (header, stream, next) => {
    handle(header, stream).then(
      () => next(),
      (e: unknown) => {
        stream.resume();
        ex.destroy(e as Error);
      },
    );
  });

  async function handle(h: Headers, stream: NodeJS.ReadableStream): Promise<void> {
    const rel = cleanEntryPath(h.name);
    if (rel === '') {
      stream.resume();
      if (h.type === 'directory') await applyMeta(root, h);
      return;
    }
    await assertNoSymlinkParents(root, rel);
    await ensureParents(root, rel);
    const base = path.basename(rel);
    const p = path.join(root, rel);
    if (base === OPAQUE) {
      stream.resume();
      const dir = path.dirname(p);
      await run(['setfattr', '-n', 'trusted.overlay.opaque', '-v', 'y', dir]);
      return;
    }
    if (base.startsWith(WHITEOUT_PREFIX)) {
      stream.resume();
      const target = path.join(path.dirname(p), base.slice(WHITEOUT_PREFIX.length));
      await fs.rm(target, { recursive: true, force: true });
      await run(['mknod', target, 'c', '0', '0']);
      return;
    }
    await clearFor(p, h.type);
    switch (h.type) {
      case 'directory':
        stream.resume();
        await fs.mkdir(p, { recursive: true, mode: 0o755 });
        break;
      case 'file':
      case 'contiguous-file': {
        const fh = await fs.open(p, 'wx', 0o600);
        try {
          for await (const chunk of stream) {
            await fh.write(chunk as Buffer);
            size += (chunk as Buffer).length;
          }
        } finally {
          await fh.close();
        }
        break;
      }
      case 'symlink':
        stream.resume();
        await fs.symlink(h.linkname ?? '', p);
        break;
      case 'link': {
        stream.resume();
        const targetRel = cleanEntryPath(h.linkname ?? '');
        await assertNoSymlinkParents(root, targetRel);
        const target = path.join(root, targetRel);
        const st = await fs.lstat(target).catch(() => undefined);
        if (!st) throw new InvalidArgumentError(`invalid tar entry ${JSON.stringify(h.name)}: hard link target ${JSON.stringify(h.linkname)} not found in layer`, 'TAR_BAD_LINK');
        await fs.link(target, p);
        return; // a hard link shares the target's metadata
      }
      case 'character-device':
      case 'block-device':
        stream.resume();
        await run(['mknod', p, h.type === 'character-device' ? 'c' : 'b', String(h.devmajor ?? 0), String(h.devminor ?? 0)]);
        break;
      case 'fifo':
        stream.resume();
        await run(['mknod', p, 'p']);
        break;
      default:
        // pax headers are consumed by tar-stream; anything else (sockets, v7 oddities) is skipped like Docker does
        stream.resume();
        return;
    }
    await applyMeta(p, h);
    await setXattrs(p, (h as Headers & { pax?: Record<string, string> }).pax); // tar-stream merges PAX records here; its types omit it
    if (h.type === 'directory' && h.mtime) dirTimes.push({ p, mtime: h.mtime });
  }

  async function applyMeta(p: string, h: Headers): Promise<void> {
    await fs.lchown(p, h.uid ?? 0, h.gid ?? 0);
    // chown clears setuid/setgid, so the mode comes after it; symlinks have no mode of their own
    if (h.type !== 'symlink') await fs.chmod(p, (h.mode ?? 0o644) & 0o7777);
    if (h.mtime) await fs.lutimes(p, h.mtime, h.mtime);
  }

  src.pipe(ex);
  await done;
  // directory mtimes last: creating children changed them
  for (const d of dirTimes.reverse()) await fs.lutimes(d.p, d.mtime, d.mtime).catch(() => undefined);
  return { size };
}

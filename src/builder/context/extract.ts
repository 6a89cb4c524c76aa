/**
 * A build context (or an ADD'ed archive, or what COPY --from copied out) as
 * plain files in a host directory. Only what a context holds is made: files,
 * directories, symlinks, hard links; ownership is not kept (COPY sets its own).
 */
import { chmodSync, createWriteStream, lstatSync, mkdirSync, promises as fs, rmSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { InvalidArgumentError } from '../../base/errors';
import { decompressed } from '../../layer/decompress';

const SMALL_FILE = 256 * 1024;

/**
 * An entry's name as a path inside the destination: dockerd unpacks contexts and ADD'ed archives chrooted
 * into it, so `../x` and `/x` land at `x` there (moby TestBuildUncleanTarFilenames) rather than being refused.
 */
function rootedName(name: string): string {
  return path.posix.normalize(`/${name}`).replace(/^\/+/, '');
}

/**
 * Refuses a path whose folders between `root` and it pass through a symlink: a tar can hold a symlink
 * `d -> /etc` and then `d/x`, and writing `d/x` would follow it out of the destination. `real` holds the
 * folders already checked (cleared whenever a symlink is made).
 */
function assertInside(root: string, target: string, name: string, real: Set<string>): void {
  const parts = path.relative(root, path.dirname(target)).split(path.sep).filter(Boolean);
  let at = root;
  for (const part of parts) {
    at = path.join(at, part);
    if (real.has(at)) continue;
    let st;
    try {
      st = lstatSync(at);
    } catch {
      return; // the rest does not exist yet: it is made as folders
    }
    if (st.isSymbolicLink()) throw new InvalidArgumentError(`archive entry ${name} passes through the symlink ${path.relative(root, at)}`, 'UNSAFE_ENTRY');
    real.add(at);
  }
}

/** A tar (any compression) into a host directory; entries that would leave it are refused. */
export async function extractTar(src: Readable, dest: string): Promise<void> {
  const plain = await decompressed(src);
  const ex = tar.extract();
  const root = path.resolve(dest);
  const real = new Set<string>();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (h, stream, next) => {
      void (async () => {
        const rel = rootedName(h.name);
        const target = path.resolve(root, rel);
        if (target !== root && !target.startsWith(root + path.sep)) throw new InvalidArgumentError(`archive entry ${h.name} leaves the destination`, 'UNSAFE_ENTRY');
        assertInside(root, target, h.name, real);
        if (h.type === 'directory') await fs.mkdir(target, { recursive: true, mode: (h.mode ?? 0o755) & 0o7777 });
        else if (h.type === 'symlink') {
          await fs.mkdir(path.dirname(target), { recursive: true });
          await fs.rm(target, { force: true });
          await fs.symlink(h.linkname ?? '', target);
          real.clear();
        } else if (h.type === 'file' || h.type === 'contiguous-file') {
          const mode = (h.mode ?? 0o644) & 0o7777;
          if ((h.size ?? 0) <= SMALL_FILE) {
            // a daemon-owned temp dir: a small file in a few synchronous calls, not a stream's thread-pool round trips
            const chunks: Buffer[] = [];
            for await (const c of stream) chunks.push(c as Buffer);
            mkdirSync(path.dirname(target), { recursive: true });
            rmSync(target, { force: true, recursive: true });
            writeFileSync(target, Buffer.concat(chunks), { mode });
            chmodSync(target, mode);
            if (h.mtime) utimesSync(target, h.mtime, h.mtime);
            return;
          }
          await fs.mkdir(path.dirname(target), { recursive: true });
          await fs.rm(target, { force: true, recursive: true });
          await pipeline(stream, createWriteStream(target, { mode: (h.mode ?? 0o644) & 0o7777 }));
          await fs.chmod(target, (h.mode ?? 0o644) & 0o7777);
          if (h.mtime) await fs.utimes(target, h.mtime, h.mtime);
          return;
        } else if (h.type === 'link') {
          const from = path.resolve(root, rootedName(h.linkname ?? ''));
          if (from.startsWith(root + path.sep)) {
            assertInside(root, from, h.name, real);
            // the link's target must be a file of this archive: a symlink there would be followed by a copy
            const st = await fs.lstat(from).catch(() => undefined);
            if (st?.isFile()) await fs.link(from, target).catch(() => fs.copyFile(from, target));
          }
        }
        stream.resume();
      })().then(() => next(), (e: unknown) => {
        stream.resume();
        reject(e);
        ex.destroy(e as Error);
      });
    });
    ex.on('finish', () => resolve());
    ex.on('error', reject);
  });
  plain.pipe(ex);
  await done;
}

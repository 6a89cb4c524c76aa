/**
 * `RUN --mount=type=cache` directories: kept under the data root between builds
 * (`<root>/<sha256 of id>/<instance>`), shared as the mount's `sharing` says:
 * `shared` — every user at once; `locked` — one user at a time, the others wait;
 * `private` — a user that finds the directory taken gets another instance.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { CacheMount } from './dockerfile/run-mounts';

export interface CacheMountLease {
  dir: string;
  /** true when this lease made the directory (a `from=` seed is copied in then) */
  created: boolean;
  release(): void;
}

export class CacheMounts {
  /** users per instance directory */
  private readonly users = new Map<string, number>();
  /** the tail of each locked id's queue */
  private readonly locks = new Map<string, Promise<void>>();

  constructor(readonly root: string) {}

  async acquire(m: CacheMount, signal?: AbortSignal): Promise<CacheMountLease> {
    const base = path.join(this.root, createHash('sha256').update(m.id).digest('hex'));
    let unlock = (): void => undefined;
    if (m.sharing === 'locked') {
      const before = this.locks.get(base) ?? Promise.resolve();
      const mine = new Promise<void>((resolve) => (unlock = resolve));
      const tail = before.then(() => mine);
      this.locks.set(base, tail);
      await before;
      signal?.throwIfAborted();
    }
    let instance = 0;
    if (m.sharing === 'private') while ((this.users.get(path.join(base, String(instance))) ?? 0) > 0) instance++;
    const dir = path.join(base, String(instance));
    this.users.set(dir, (this.users.get(dir) ?? 0) + 1);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.users.set(dir, (this.users.get(dir) ?? 1) - 1);
      unlock();
    };
    try {
      const created = await fs.mkdir(dir, { recursive: true, mode: 0o700 }).then((first) => first !== undefined);
      if (created) {
        await fs.chown(dir, m.uid, m.gid);
        await fs.chmod(dir, m.mode);
      }
      return { dir, created, release };
    } catch (e) {
      release();
      throw e;
    }
  }

  /** `builder prune`: every cache directory not in use; returns how many bytes they held. */
  async prune(): Promise<number> {
    let bytes = 0;
    for (const name of await fs.readdir(this.root).catch(() => [] as string[])) {
      const base = path.join(this.root, name);
      for (const inst of await fs.readdir(base).catch(() => [] as string[])) {
        const dir = path.join(base, inst);
        if ((this.users.get(dir) ?? 0) > 0) continue;
        bytes += await du(dir);
        await fs.rm(dir, { recursive: true, force: true });
      }
      await fs.rmdir(base).catch(() => undefined);
    }
    return bytes;
  }
}

async function du(p: string): Promise<number> {
  const st = await fs.lstat(p).catch(() => undefined);
  if (!st) return 0;
  if (!st.isDirectory()) return st.size;
  let n = 0;
  for (const c of await fs.readdir(p)) n += await du(path.join(p, c));
  return n;
}

/**
 * Copies a directory's contents with everything `cp -a` keeps (owners, modes,
 * times, links, special files, xattrs), then gives the target the source's
 * owner and mode, as Docker's volume copy-up does.
 */
import { promises as fs } from 'node:fs';
import { run } from './spawn';

export async function copyTreeContents(fromDir: string, toDir: string): Promise<void> {
  // "from/." copies the contents, hidden entries included, without nesting a directory
  await run(['cp', '-a', '--', `${fromDir}/.`, toDir], { timeoutMs: 10 * 60_000 });
  const st = await fs.stat(fromDir);
  await fs.chown(toDir, st.uid, st.gid);
  await fs.chmod(toDir, st.mode & 0o7777);
}

/** Bytes used by the files under `dir` (lstat sizes; each hard-linked inode once). */
export async function treeSize(dir: string): Promise<number> {
  const seen = new Set<string>();
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = `${d}/${e.name}`;
      const st = await fs.lstat(p).catch(() => undefined);
      if (!st) continue;
      if (e.isDirectory()) await walk(p);
      else {
        const key = `${st.dev}:${st.ino}`;
        if (seen.has(key)) continue;
        seen.add(key);
        total += st.size;
      }
    }
  };
  await walk(dir);
  return total;
}

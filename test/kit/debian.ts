/**
 * A real Debian 12 rootfs made by mmdebstrap (variant essential, ~40 MB of packages from Debian's mirror),
 * as a tarball to import. Made once per machine and kept under /var/cache/berth-tests: every later run reuses
 * it, and two test processes asking at once share one build (a lock file). `--format=tar`: mmdebstrap guesses
 * the format from the name, and the temporary name (….tar.PID.tmp) made it a directory.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);
const CACHE = '/var/cache/berth-tests';
export const DEBIAN_TAR = `${CACHE}/debian-bookworm-essential.tar`;

export async function debianRootfsTar(): Promise<string> {
  if (await fs.stat(DEBIAN_TAR).then((st) => st.isFile(), () => false)) return DEBIAN_TAR;
  await fs.mkdir(CACHE, { recursive: true });
  const tmp = `${DEBIAN_TAR}.${process.pid}.tmp`;
  try {
    // flock: a parallel test process waits for this one's build instead of downloading again
    await run('flock', [`${DEBIAN_TAR}.lock`, 'sh', '-c', `[ -f "${DEBIAN_TAR}" ] || { rm -rf "${DEBIAN_TAR}" && mmdebstrap --variant=essential --format=tar --quiet bookworm "${tmp}" && mv "${tmp}" "${DEBIAN_TAR}"; }`], { maxBuffer: 16 << 20, timeout: 600_000 });
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
  return DEBIAN_TAR;
}

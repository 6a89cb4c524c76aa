/**
 * Test images are made on the machine from the host's static busybox
 * (Debian's busybox-static): a rootfs directory, or a rootfs tarball to import.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export const BUSYBOX = '/bin/busybox';

/** Creates a minimal busybox rootfs in `dir` (bin/busybox + one symlink per applet). */
export async function makeBusyboxRootfs(dir: string): Promise<string> {
  for (const d of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'root', 'home', 'var', 'usr/bin', 'usr/sbin', 'sbin']) {
    await fs.mkdir(path.join(dir, d), { recursive: true });
  }
  await fs.chmod(path.join(dir, 'tmp'), 0o1777);
  await fs.copyFile(BUSYBOX, path.join(dir, 'bin/busybox'));
  await fs.chmod(path.join(dir, 'bin/busybox'), 0o755);
  const applets = execFileSync(BUSYBOX, ['--list']).toString().split('\n').filter((a) => a && a !== 'busybox');
  for (const a of applets) {
    await fs.symlink('busybox', path.join(dir, 'bin', a)).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    });
  }
  await fs.writeFile(path.join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\nuser:x:1000:1000:user:/home/user:/bin/sh\n');
  await fs.writeFile(path.join(dir, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\nuser:x:1000:\n');
  return dir;
}

/** Creates a busybox rootfs tarball at `file` (what `docker import` takes). */
export async function makeBusyboxTar(file: string): Promise<string> {
  const dir = `${file}.rootfs`;
  await fs.rm(dir, { recursive: true, force: true });
  await makeBusyboxRootfs(dir);
  execFileSync('tar', ['-C', dir, '--numeric-owner', '-cf', file, '.']);
  await fs.rm(dir, { recursive: true, force: true });
  return file;
}

/**
 * Overlay mounts for container rootfs, unmounting and mount checks, via the
 * long-lived berth-fsd (fs-helper.ts), or mount(8)/umount(8) where it is not built. Owns nothing but the mount syscalls' edge cases:
 * mount option strings are limited to one page, so long lowerdir lists are
 * passed as short relative names from a directory of symlinks.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { errorMessage, InternalError } from '../base/errors';
import { hasFsHelper, helperMount, helperUnmount } from './fs-helper';
import { run, runUnchecked } from './spawn';
import { nativeToolPath } from './native-tool';
import { inInitialUserns } from './rootless';

export interface OverlayMountOptions {
  /** topmost layer first (overlayfs order) */
  lowerDirs: string[];
  /** upper and work dirs: without them the overlay is read-only (overlayfs then wants two lower dirs at least) */
  upperDir?: string;
  workDir?: string;
  target: string;
  /** extra mount options, e.g. "index=off" */
  options?: string[];
  /** user-namespaced container: lower layers idmapped by this user namespace (an nsfs file), so its root owns what host root owns */
  idmapUserns?: string;
  /** the kernel's overlayfs (default), or fuse-overlayfs where a rootless daemon cannot mount it */
  driver?: StorageDriver;
}

export type StorageDriver = 'overlay' | 'fuse-overlayfs';

/** The kernel copies at most one page of mount data; stay well below it. */
const MAX_OPTION_LENGTH = 3500;

export async function mountOverlay(o: OverlayMountOptions): Promise<void> {
  if (!o.lowerDirs.length) throw new InternalError('overlay mount needs at least one lower directory', 'OVERLAY_NO_LOWER');
  const rw = o.upperDir !== undefined && o.workDir !== undefined ? { upperDir: o.upperDir, workDir: o.workDir } : undefined;
  if (!rw && o.lowerDirs.length < 2) throw new InternalError('a read-only overlay mount needs two lower directories', 'OVERLAY_NO_LOWER');
  if (rw) {
    await fs.mkdir(rw.upperDir, { recursive: true });
    await fs.mkdir(rw.workDir, { recursive: true });
  }
  await fs.mkdir(o.target, { recursive: true });
  if (o.idmapUserns) {
    if (!rw) throw new InternalError('an idmapped overlay mount needs an upper directory', 'OVERLAY_NO_UPPER');
    return mountIdmappedOverlay({ ...o, ...rw }, o.idmapUserns);
  }
  // in a user namespace overlayfs keeps its whiteouts and opaque marks in user.overlay.* (layer/unpack.ts writes them)
  const extra = [...(o.options ?? []), ...(o.driver !== 'fuse-overlayfs' && !inInitialUserns() ? ['userxattr'] : [])];
  const build = (lowers: string[]) => [`lowerdir=${lowers.join(':')}`, ...(rw ? [`upperdir=${rw.upperDir}`, `workdir=${rw.workDir}`] : []), ...extra].join(',');
  let data = build(o.lowerDirs);
  let cwd: string | undefined;
  if (data.length > MAX_OPTION_LENGTH) {
    // Relative lowerdir paths resolve against mount(8)'s cwd: a dir of one-character-ish links keeps the string short.
    cwd = rw ? path.join(path.dirname(rw.workDir), 'l') : `${o.target}.l`;
    await fs.rm(cwd, { recursive: true, force: true });
    await fs.mkdir(cwd, { recursive: true });
    const names: string[] = [];
    for (const [i, dir] of o.lowerDirs.entries()) {
      const name = i.toString(36);
      await fs.symlink(dir, path.join(cwd, name));
      names.push(name);
    }
    data = build(names);
    if (data.length > MAX_OPTION_LENGTH) throw new InternalError(`overlay mount options too long (${data.length} bytes)`, 'OVERLAY_OPTIONS_TOO_LONG');
  }
  if (data.includes(',,') || /[\n]/.test(data)) throw new InternalError('invalid character in overlay paths', 'OVERLAY_BAD_PATH');
  if (o.driver === 'fuse-overlayfs') await run(['fuse-overlayfs', '-o', data, o.target], { cwd, timeoutMs: 30_000 });
  // the overlay's options are all filesystem data (no mount flags): mount(2) takes them as mount(8) would
  else if (hasFsHelper()) await helperMount('overlay', o.target, 'overlay', data, cwd && path.resolve(cwd)).catch((e: unknown) => {
    throw new InternalError(`mount overlay on ${o.target}: ${errorMessage(e)}`, 'MOUNT_FAILED', { cause: e });
  });
  else await run(['mount', '-t', 'overlay', 'overlay', '-o', data, o.target], { cwd, timeoutMs: 30_000 });
}

/**
 * The rootless daemon's storage: overlayfs where the kernel mounts it in a user namespace (5.11+),
 * else fuse-overlayfs; or the one `wanted`, checked. Tried in a scratch dir that is removed again.
 */
export async function probeRootlessStorage(scratch: string, wanted?: StorageDriver): Promise<StorageDriver> {
  const dir = path.join(scratch, `overlay-probe-${process.pid}`);
  await fs.mkdir(path.join(dir, 'lower'), { recursive: true });
  const target = path.join(dir, 'merged');
  try {
    const o = { lowerDirs: [path.join(dir, 'lower')], upperDir: path.join(dir, 'upper'), workDir: path.join(dir, 'work'), target };
    const drivers = wanted ? [wanted] : (['overlay', 'fuse-overlayfs'] as const);
    for (const driver of drivers) {
      try {
        await mountOverlay({ ...o, driver });
        await unmount(target);
        return driver;
      } catch (e) {
        if (driver === drivers[drivers.length - 1]) throw new InternalError(`rootless mode needs overlayfs in a user namespace (Linux 5.11+) or fuse-overlayfs (Debian package fuse-overlayfs): ${(e as Error)?.message ?? e}`, 'ROOTLESS_NO_STORAGE', { cause: e });
      }
    }
    throw new InternalError('unreachable', 'ROOTLESS_NO_STORAGE');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/**
 * Overlayfs with idmapped lower layers (kernel 5.19+; "lowerdir+" 6.8+), through
 * build/native/berth-idmap-overlay. One layer per fsconfig call: no option-length limit.
 */
async function mountIdmappedOverlay(o: OverlayMountOptions & { upperDir: string; workDir: string }, userns: string): Promise<void> {
  const scratch = path.join(path.dirname(o.workDir), 'idmap');
  await run([nativeToolPath('berth-idmap-overlay'), userns, o.target, o.upperDir, o.workDir, scratch, ...o.lowerDirs], { timeoutMs: 30_000 });
}

/**
 * Whether this kernel mounts overlayfs over idmapped layers (what --userns-remap needs), tried in
 * a scratch dir that is removed again. Throws the kernel's answer when it does not.
 */
export async function probeIdmappedOverlay(scratch: string, userns: string): Promise<void> {
  const dir = path.join(scratch, `idmap-probe-${process.pid}`);
  await fs.mkdir(path.join(dir, 'lower'), { recursive: true });
  const target = path.join(dir, 'merged');
  try {
    await mountOverlay({ lowerDirs: [path.join(dir, 'lower')], upperDir: path.join(dir, 'upper'), workDir: path.join(dir, 'work'), target, idmapUserns: userns });
    await unmount(target);
  } catch (e) {
    throw new InternalError(`--userns-remap needs overlayfs over idmapped layers (Linux 5.19 or later): ${(e as Error)?.message ?? e}`, 'IDMAP_UNSUPPORTED', { cause: e });
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** Unmount `target`; when busy, detach it lazily. Not mounted is not an error. */
export async function unmount(target: string): Promise<void> {
  if (!(await isMounted(target))) return;
  if (hasFsHelper()) {
    try {
      return await helperUnmount(target);
    } catch (e) {
      if (!(await isMounted(target))) return;
      throw new InternalError(`unmount ${target}: ${errorMessage(e)}`, 'UNMOUNT_FAILED', { cause: e });
    }
  }
  const r = await runUnchecked(['umount', target], { timeoutMs: 30_000 });
  if (r.exitCode === 0) return;
  if (!(await isMounted(target))) return;
  await run(['umount', '-l', target], { timeoutMs: 30_000 });
}

/** Whether `target` is a mount point (checked in /proc/self/mountinfo, so a stale path does not hang). */
export async function isMounted(target: string): Promise<boolean> {
  const abs = await fs.realpath(target).catch(() => path.resolve(target));
  const info = await fs.readFile('/proc/self/mountinfo', 'utf8');
  for (const line of info.split('\n')) {
    const mp = line.split(' ')[4];
    if (mp !== undefined && unescapeMountPath(mp) === abs) return true;
  }
  return false;
}

/** mountinfo escapes space, tab, newline and backslash as \ooo octal. */
function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** `mount -t TYPE -o OPTIONS DEVICE TARGET` (the local volume driver's type/device/o). */
export async function mountFilesystem(o: { type: string; device: string; target: string; options: string }): Promise<void> {
  const argv = ['mount'];
  if (o.type) argv.push('-t', o.type);
  if (o.options) argv.push('-o', o.options);
  argv.push(o.device, o.target);
  await run(argv, { timeoutMs: 30_000 });
}

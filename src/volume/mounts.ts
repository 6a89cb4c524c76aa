/**
 * A container's mounts as Docker resolves them at create time: `--volumes-from`
 * first, then `-v` binds (replacing those), then `--mount` entries, then the
 * anonymous volumes of `-v /dst` and the image's VOLUMEs where nothing is mounted
 * yet. Pure: volume names are left "" for anonymous volumes, and sources of
 * volumes "" until the caller has ensured them.
 */
import * as path from 'node:path';
import { InvalidArgumentError } from '../base/errors';
import type { MountPoint } from './types';

/** The `--mount` fields this module needs (structurally ContainerSpec's MountSpec). */
export interface MountRequest {
  type: 'bind' | 'volume' | 'tmpfs' | 'image';
  source: string;
  target: string;
  readOnly: boolean;
  options?: string[];
  /** type volume: a path inside the volume to mount instead of its root */
  volumeSubpath?: string;
  /** type image: a path inside the image to mount instead of its root (API 1.48 ImageOptions.Subpath) */
  imageSubpath?: string;
}

export interface MountSources {
  /** HostConfig.Binds: "src:dst[:mode]" or "/dst" */
  binds: string[];
  /** HostConfig.Mounts */
  mounts: MountRequest[];
  /** Config.Volumes keys, then the image's VOLUME entries */
  volumes: string[];
  /** resolved `--volumes-from` sources: the other container's mount points and the ":ro"/":rw" suffix */
  volumesFrom: Array<{ mountPoints: MountPoint[]; mode: '' | 'ro' | 'rw' }>;
  /** HostConfig.Tmpfs destinations: an anonymous volume (Config.Volumes, image VOLUME) there is not made */
  tmpfs?: string[];
}

const PROPAGATION = ['shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate'];
const LABEL_MODES = ['z', 'Z'];
const CONSISTENCY = ['consistent', 'cached', 'delegated'];

function invalidSpec(raw: string): InvalidArgumentError {
  return new InvalidArgumentError(`invalid volume specification: '${raw}'`, 'INVALID_VOLUME_SPEC');
}

/** Docker's path check: absolute, cleaned, not "/". */
function cleanDestination(kind: string, dst: string): string {
  if (!dst.startsWith('/')) {
    throw new InvalidArgumentError(`invalid mount config for type "${kind}": invalid mount path: '${dst}' mount path must be absolute`, 'INVALID_MOUNT');
  }
  const clean = path.posix.normalize(dst).replace(/(.)\/+$/, '$1');
  if (clean === '/') throw new InvalidArgumentError(`invalid specification: destination can't be '/'`, 'INVALID_MOUNT');
  return clean;
}

/** Whether a -v mode string is valid: comma-separated ro|rw, z|Z, nocopy, a propagation, a consistency. */
function isValidMode(mode: string): boolean {
  if (mode === '') return true;
  let rw = 0;
  let label = 0;
  let prop = 0;
  let copy = 0;
  for (const m of mode.split(',')) {
    if (m === 'ro' || m === 'rw') rw++;
    else if (LABEL_MODES.includes(m)) label++;
    else if (PROPAGATION.includes(m)) prop++;
    else if (m === 'nocopy') copy++;
    else if (!CONSISTENCY.includes(m)) return false;
  }
  return rw <= 1 && label <= 1 && prop <= 1 && copy <= 1;
}

/** One `-v` / Binds entry → a mount point (volume name "" = anonymous). */
export function parseBind(raw: string): MountPoint {
  const parts = raw.split(':');
  if (parts.some((p) => p === '') || parts.length > 3) throw invalidSpec(raw);
  let src = '';
  let dst: string;
  let mode = '';
  if (parts.length === 1) dst = parts[0]!;
  else if (parts.length === 2) {
    // "/dst:ro" names no source: a volume cannot take a mode without one
    if (isValidMode(parts[1]!) && !parts[1]!.startsWith('/')) throw invalidSpec(raw);
    [src, dst] = [parts[0]!, parts[1]!];
  } else [src, dst, mode] = [parts[0]!, parts[1]!, parts[2]!];
  if (!isValidMode(mode)) throw new InvalidArgumentError(`invalid mode: ${mode}`, 'INVALID_VOLUME_SPEC');
  const modes = mode.split(',').filter(Boolean);
  const rw = !modes.includes('ro');
  if (src.startsWith('/')) {
    if (modes.includes('nocopy')) throw new InvalidArgumentError(`invalid mode: ${mode}`, 'INVALID_VOLUME_SPEC');
    const destination = cleanDestination('bind', dst);
    return {
      type: 'bind',
      name: '',
      source: path.posix.normalize(src).replace(/(.)\/+$/, '$1'),
      destination,
      mode,
      rw,
      propagation: modes.find((m) => PROPAGATION.includes(m)) ?? 'rprivate',
      copyData: false,
      anonymous: false,
    };
  }
  if (modes.some((m) => PROPAGATION.includes(m))) throw new InvalidArgumentError(`invalid mode: ${mode}`, 'INVALID_VOLUME_SPEC');
  return {
    type: 'volume',
    name: src,
    source: '',
    destination: cleanDestination('volume', dst),
    // dockerd shows the SELinux default "z" for a volume given without a mode
    mode: mode === '' ? 'z' : mode,
    rw,
    propagation: '',
    copyData: !modes.includes('nocopy'),
    anonymous: src === '',
  };
}

/** One `--mount` entry → a mount point (Docker's validateMountConfig rules). */
export function parseMountRequest(m: MountRequest): MountPoint {
  const bad = (why: string) => new InvalidArgumentError(`invalid mount config for type "${m.type}": ${why}`, 'INVALID_MOUNT');
  const destination = cleanDestination(m.type, m.target);
  const opts = m.options ?? [];
  // Go's filepath.IsLocal: relative, and never above the root
  const isLocal = (p: string) => {
    const norm = path.posix.normalize(p);
    return !p.startsWith('/') && norm !== '..' && !norm.startsWith('../');
  };
  switch (m.type) {
    case 'bind':
      if (!m.source) throw bad('field Source must not be empty');
      if (!m.source.startsWith('/')) throw bad(`invalid mount path: '${m.source}' mount path must be absolute`);
      return {
        type: 'bind',
        name: '',
        source: path.posix.normalize(m.source).replace(/(.)\/+$/, '$1'),
        destination,
        mode: '',
        rw: !m.readOnly,
        propagation: opts.find((o) => PROPAGATION.includes(o)) ?? 'rprivate',
        copyData: false,
        anonymous: false,
      };
    case 'volume': {
      const mp: MountPoint = { type: 'volume', name: m.source, source: '', destination, mode: 'z', rw: !m.readOnly, propagation: '', copyData: !opts.includes('nocopy'), anonymous: m.source === '' };
      if (m.volumeSubpath) {
        if (!m.source) throw bad('must not set Subpath when using anonymous volumes');
        if (!isLocal(m.volumeSubpath)) throw bad('subpath must be a relative path within the volume');
        mp.subpath = path.posix.normalize(m.volumeSubpath);
      }
      return mp;
    }
    case 'tmpfs': {
      if (m.source) throw bad('field Source must be empty');
      const mp: MountPoint = { type: 'tmpfs', name: '', source: '', destination, mode: '', rw: !m.readOnly, propagation: '', copyData: false, anonymous: false };
      if (opts.length) mp.options = [...opts];
      return mp;
    }
    case 'image': {
      // dockerd: the reference as given is the mount's Name; it is always read-only (ReadOnly false is not refused)
      if (!m.source) throw bad('field Source must not be empty');
      const mp: MountPoint = { type: 'image', name: m.source, source: '', destination, mode: '', rw: false, propagation: 'rprivate', copyData: false, anonymous: false };
      if (m.imageSubpath) {
        // dockerd's words for a subpath that leaves its root are the volume's, for images too
        if (!isLocal(m.imageSubpath)) throw bad('subpath must be a relative path within the volume');
        const norm = path.posix.normalize(m.imageSubpath);
        if (norm !== '.') mp.subpath = norm;
      }
      return mp;
    }
  }
}

function duplicate(dst: string): InvalidArgumentError {
  return new InvalidArgumentError(`Duplicate mount point: ${dst}`, 'DUPLICATE_MOUNT_POINT');
}

export function resolveMountPoints(src: MountSources): MountPoint[] {
  return withAnonymousVolumes(resolveUserMountPoints(src), src.volumes, src.tmpfs);
}

/** `--volumes-from`, `-v` and `--mount` entries alone: what can be checked before the image is known. */
export function resolveUserMountPoints(src: Omit<MountSources, 'volumes' | 'tmpfs'>): MountPoint[] {
  const byDest = new Map<string, MountPoint>();
  for (const from of src.volumesFrom) {
    for (const mp of from.mountPoints) {
      // tmpfs lives in the other container's mount namespace, an image mount is that container's own
      if (mp.type === 'tmpfs' || mp.type === 'image') continue;
      // dockerd: ":rw" cannot make a read-only mount writable; the copy shows no mode and never copies up
      const copy: MountPoint = { ...mp, rw: mp.rw && from.mode !== 'ro', mode: '', copyData: false };
      byDest.set(copy.destination, copy);
    }
  }
  const explicit = new Set<string>();
  for (const b of src.binds) {
    const mp = parseBind(b);
    if (explicit.has(mp.destination)) throw duplicate(mp.destination);
    explicit.add(mp.destination);
    byDest.set(mp.destination, mp);
  }
  for (const m of src.mounts) {
    const mp = parseMountRequest(m);
    if (explicit.has(mp.destination)) throw duplicate(mp.destination);
    explicit.add(mp.destination);
    byDest.set(mp.destination, mp);
  }
  return [...byDest.values()];
}

/**
 * `mps` with an anonymous volume at each of `volumes` (Config.Volumes, the image's VOLUMEs) where nothing
 * is mounted yet and no tmpfs is; a new array, `mps`' entries kept in their order.
 */
export function withAnonymousVolumes(mps: MountPoint[], volumes: string[], tmpfsDests: string[] = []): MountPoint[] {
  const byDest = new Map(mps.map((mp) => [mp.destination, mp]));
  const tmpfs = new Set(tmpfsDests.map((t) => path.posix.normalize(t).replace(/(.)\/+$/, '$1')));
  for (const v of volumes) {
    const destination = cleanDestination('volume', v);
    if (byDest.has(destination) || tmpfs.has(destination)) continue;
    byDest.set(destination, { type: 'volume', name: '', source: '', destination, mode: '', rw: true, propagation: '', copyData: true, anonymous: true });
  }
  return [...byDest.values()];
}

/** The volume module's records, mount points and service contract (core casing, no Docker JSON). */

/** What is persisted per volume (<dataRoot>/volumes/<name>/volume.json). */
export interface VolumeRecord {
  name: string;
  driver: 'local';
  labels: Record<string, string>;
  /** local driver options: type, device, o (mount(8) arguments for _data) */
  options: Record<string, string>;
  /** RFC 3339, seconds precision, as dockerd reports CreatedAt */
  createdAt: string;
  /** made by a container for `-v /dst` or an image VOLUME (random 64-hex name) */
  anonymous: boolean;
}

/** A volume as inspect/list show it. */
export interface VolumeInfo extends VolumeRecord {
  /** host path of the data directory (<dataRoot>/volumes/<name>/_data) */
  mountpoint: string;
  scope: 'local';
}

/** A volume with its disk usage (system df). */
export interface VolumeUsage extends VolumeInfo {
  size: number;
  refCount: number;
}

export interface VolumeCreateOptions {
  /** empty or absent: a random 64-hex name */
  name?: string;
  /** only "local" (or empty) exists */
  driver?: string;
  labels?: Record<string, string>;
  options?: Record<string, string>;
  anonymous?: boolean;
}

/** One resolved mount of a container, persisted in its record (Docker's MountPoint). */
export interface MountPoint {
  type: 'bind' | 'volume' | 'tmpfs' | 'image';
  /** volume name, or the image reference as given for an image mount ("" for bind and tmpfs) */
  name: string;
  /** host path: the bind source, the volume's _data, or where an image mount is mounted; "" for tmpfs */
  source: string;
  destination: string;
  /** Docker's Mode string as inspect shows it ("z", "rw", "ro", "") */
  mode: string;
  rw: boolean;
  /** "rprivate" for binds, "" otherwise (Docker's display) */
  propagation: string;
  /** populate an empty volume from the image at `destination` on start (unless nocopy) */
  copyData: boolean;
  /** mount this path inside the volume (API 1.45 VolumeOptions.Subpath) or image (1.48 ImageOptions.Subpath) instead of its root */
  subpath?: string;
  /** type image: the image the reference named at create (its layers are mounted, whatever the name points to later) */
  imageId?: string;
  /** the spec named no source (-v /dst, image VOLUME): `rm -v` removes the volume */
  anonymous: boolean;
  /** tmpfs mount options (size=, mode=) */
  options?: string[];
}

export interface VolumeRemoveOptions {
  /** Docker's `force`: a missing volume is not an error (an in-use one still is) */
  force?: boolean;
}

export interface VolumeService {
  create(opts: VolumeCreateOptions): Promise<VolumeInfo>;
  inspect(name: string): Promise<VolumeInfo>;
  /** Docker filters: dangling, name, label, driver */
  list(filters?: Record<string, string[]>): Promise<VolumeInfo[]>;
  remove(name: string, opts?: VolumeRemoveOptions): Promise<void>;
  /** unused anonymous volumes, or every unused one with `all=true` (filters: label, label!, all) */
  prune(filters?: Record<string, string[]>): Promise<{ deleted: string[]; spaceReclaimed: number }>;
  /** system df: every volume with its size and number of containers using it */
  usage(): Promise<VolumeUsage[]>;
  /** For container create: the named volume, created when missing (Docker's create-on-demand). */
  ensure(name: string, opts: Omit<VolumeCreateOptions, 'name'>, ref: string): Promise<{ volume: VolumeInfo; created: boolean }>;
  /** Ends the create-time references `ensure` took for `ref` (the container record now holds them). */
  settle(ref: string): void;
  /** Before a container starts: mounts a volume with device options; returns its data path. */
  activate(name: string): Promise<string>;
  /** After a container stopped: unmounts a device-option volume no running container uses. */
  deactivate(name: string, stillRunning: boolean): Promise<void>;
  /** Copies `fromDir` (the image content at the mount destination) into the volume (or its subpath) when that is empty. */
  copyUp(name: string, fromDir: string, subpath?: string): Promise<boolean>;
}

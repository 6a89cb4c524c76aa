/**
 * The volume service (local driver): Docker's /volumes operations plus what the
 * container lifecycle needs (create on demand, device-option mounts, copy-up).
 * It owns <dataRoot>/volumes; it learns which containers use a volume from the
 * `users` callback (container records are the one source of references).
 */
import { promises as fs } from 'node:fs';
import { ConflictError, InternalError, InvalidArgumentError, NotFoundError } from '../base/errors';
import { KeyedMutex } from '../base/async';
import type { EventBus } from '../base/events';
import type { Logger } from '../base/logger';
import { isMounted, mountFilesystem, unmount } from '../platform/mount';
import { copyTreeContents, treeSize } from '../platform/copy-tree';
import { ANONYMOUS_LABEL, volumeListFilter, volumePruneFilter } from './filters';
import { assertVolumeName, randomVolumeName } from './names';
import { VolumeStore } from './volume-store';
import { volumeSubpath } from './subpath';
import type { VolumeCreateOptions, VolumeInfo, VolumeRecord, VolumeRemoveOptions, VolumeService, VolumeUsage } from './types';

export type * from './types';
export { assertVolumeName, isValidVolumeName, randomVolumeName } from './names';
export { parseBind, resolveMountPoints, resolveUserMountPoints, withAnonymousVolumes, type MountSources } from './mounts';

export interface VolumeServiceOptions {
  dataRoot: string;
  events: EventBus;
  logger: Logger;
  /** ids of the containers (any state) whose mounts reference the volume */
  users: (name: string) => string[];
}

/** The local driver's options (dockerd's validOpts); `size` needs quotas Berth does not set up. */
const VALID_OPTS = ['type', 'device', 'o', 'size'];

export function validateLocalOptions(name: string, opts: Record<string, string>): void {
  for (const k of Object.keys(opts)) {
    if (!VALID_OPTS.includes(k)) throw new InvalidArgumentError(`create ${name}: invalid option: "${k}"`, 'INVALID_VOLUME_OPTION');
  }
  if ('size' in opts) throw new InvalidArgumentError(`create ${name}: quota size requested but no quota support`, 'INVALID_VOLUME_OPTION');
  // mount(8) needs a device and a type once any option is given
  if (Object.keys(opts).length && !opts.device) throw new InvalidArgumentError(`create ${name}: missing required option: "device"`, 'INVALID_VOLUME_OPTION');
  if (Object.keys(opts).length && !opts.type) throw new InvalidArgumentError(`create ${name}: missing required option: "type"`, 'INVALID_VOLUME_OPTION');
}

function noSuchVolume(name: string): NotFoundError {
  return new NotFoundError('volume', name, `get ${name}: no such volume`);
}

/** dockerd reports CreatedAt in seconds (RFC 3339, no fraction). */
function nowSeconds(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

export async function createVolumeService(opts: VolumeServiceOptions): Promise<VolumeService> {
  const svc = new LocalVolumes(opts);
  await svc.store.load();
  return svc;
}

class LocalVolumes implements VolumeService {
  readonly store: VolumeStore;
  private readonly lock = new KeyedMutex();
  /** create-time references: container id → names it took before its record existed */
  private readonly pending = new Map<string, Set<string>>();

  constructor(private readonly opts: VolumeServiceOptions) {
    this.store = new VolumeStore(opts.dataRoot);
  }

  private info(rec: VolumeRecord): VolumeInfo {
    return { ...structuredClone(rec), mountpoint: this.store.dataDir(rec.name), scope: 'local' };
  }

  private users(name: string): string[] {
    const out = new Set(this.opts.users(name));
    for (const [ref, names] of this.pending) if (names.has(name)) out.add(ref);
    return [...out];
  }

  private publish(action: string, name: string, attributes: Record<string, string> = {}): void {
    this.opts.events.publish({ type: 'volume', action, id: name, attributes: { driver: 'local', ...attributes } });
  }

  async create(o: VolumeCreateOptions): Promise<VolumeInfo> {
    const name = o.name || randomVolumeName();
    if (o.driver && o.driver !== 'local') {
      throw new NotFoundError('plugin', o.driver, `create ${name}: error looking up volume plugin ${o.driver}: plugin "${o.driver}" not found`);
    }
    assertVolumeName(name);
    const options = o.options ?? {};
    validateLocalOptions(name, options);
    return this.lock.run(name, async () => {
      // dockerd answers a create of an existing local volume with that volume
      const existing = this.store.get(name);
      if (existing) return this.info(existing);
      const anonymous = o.anonymous === true || !o.name;
      // dockerd labels every volume it named itself, so prune (API 1.42+) and clients can tell them apart
      const labels = anonymous ? { ...(o.labels ?? {}), [ANONYMOUS_LABEL]: '' } : { ...(o.labels ?? {}) };
      const rec: VolumeRecord = { name, driver: 'local', labels, options: { ...options }, createdAt: nowSeconds(), anonymous };
      await this.store.put(rec);
      this.publish('create', name);
      return this.info(rec);
    });
  }

  async inspect(name: string): Promise<VolumeInfo> {
    const rec = this.store.get(name);
    if (!rec) throw noSuchVolume(name);
    return this.info(rec);
  }

  async list(filters: Record<string, string[]> = {}): Promise<VolumeInfo[]> {
    const keep = volumeListFilter(filters, (n) => this.users(n).length > 0);
    return this.store.all().filter(keep).map((r) => this.info(r));
  }

  async remove(name: string, o: VolumeRemoveOptions = {}): Promise<void> {
    await this.lock.run(name, async () => {
      const rec = this.store.get(name);
      if (!rec) {
        if (o.force) return;
        throw noSuchVolume(name);
      }
      const users = this.users(name);
      if (users.length) throw new ConflictError(`remove ${name}: volume is in use - [${users.join(', ')}]`, 'VOLUME_IN_USE');
      await this.destroy(name);
    });
  }

  /** Never recurse into a mounted _data: a bind-option volume would delete the host's files. */
  private async destroy(name: string): Promise<void> {
    const data = this.store.dataDir(name);
    await unmount(data);
    if (await isMounted(data)) throw new InternalError(`remove ${name}: volume data is still mounted`, 'VOLUME_BUSY');
    await this.store.delete(name);
    this.publish('destroy', name);
  }

  async prune(filters: Record<string, string[]> = {}): Promise<{ deleted: string[]; spaceReclaimed: number }> {
    const keep = volumePruneFilter(filters);
    const deleted: string[] = [];
    let spaceReclaimed = 0;
    for (const rec of this.store.all().filter(keep)) {
      await this.lock.run(rec.name, async () => {
        if (!this.store.get(rec.name) || this.users(rec.name).length) return;
        const size = Object.keys(rec.options).length ? 0 : await treeSize(this.store.dataDir(rec.name));
        try {
          await this.destroy(rec.name);
          deleted.push(rec.name);
          spaceReclaimed += size;
        } catch (e) {
          this.opts.logger.warn({ volume: rec.name, err: String(e) }, 'prune: remove failed');
        }
      });
    }
    this.publish('prune', '', { reclaimed: String(spaceReclaimed) });
    return { deleted, spaceReclaimed };
  }

  async usage(): Promise<VolumeUsage[]> {
    const out: VolumeUsage[] = [];
    for (const rec of this.store.all()) {
      // a device-option volume's size is the device's business (dockerd reports -1 for those too)
      const size = Object.keys(rec.options).length ? -1 : await treeSize(this.store.dataDir(rec.name));
      out.push({ ...this.info(rec), size, refCount: this.users(rec.name).length });
    }
    return out;
  }

  async ensure(name: string, o: Omit<VolumeCreateOptions, 'name'>, ref: string): Promise<{ volume: VolumeInfo; created: boolean }> {
    // the reference goes in first, so a prune running meanwhile leaves the volume alone
    let names = this.pending.get(ref);
    if (!names) this.pending.set(ref, (names = new Set()));
    names.add(name);
    const existed = this.store.get(name) !== undefined;
    const volume = await this.create({ ...o, name });
    return { volume, created: !existed };
  }

  settle(ref: string): void {
    this.pending.delete(ref);
  }

  async activate(name: string): Promise<string> {
    const rec = this.store.get(name);
    if (!rec) throw noSuchVolume(name);
    const data = this.store.dataDir(name);
    const o = rec.options;
    if (!o.device) return data;
    await this.lock.run(name, async () => {
      if (await isMounted(data)) return;
      await fs.mkdir(data, { recursive: true });
      await mountFilesystem({ type: o.type ?? '', device: o.device!, target: data, options: o.o ?? '' }).catch((e: unknown) => {
        throw new InternalError(`error while mounting volume '${data}': ${String((e as Error)?.message ?? e)}`, 'VOLUME_MOUNT_FAILED', { cause: e });
      });
    });
    return data;
  }

  async deactivate(name: string, stillRunning: boolean): Promise<void> {
    const rec = this.store.get(name);
    if (!rec?.options.device || stillRunning) return;
    await this.lock.run(name, () => unmount(this.store.dataDir(name)));
  }

  async copyUp(name: string, fromDir: string, subpath?: string): Promise<boolean> {
    const root = this.store.dataDir(name);
    return this.lock.run(name, async () => {
      // with a subpath, into that directory of the volume (a missing or escaping one is the start's error)
      const data = subpath ? await volumeSubpath(root, subpath).catch(() => undefined) : root;
      if (!data || !(await fs.stat(data)).isDirectory()) return false;
      // Docker copies only into an empty directory, so a second container never overwrites data
      if ((await fs.readdir(data)).length) return false;
      const st = await fs.stat(fromDir).catch(() => undefined);
      if (!st?.isDirectory()) return false;
      await copyTreeContents(fromDir, data);
      return true;
    });
  }
}

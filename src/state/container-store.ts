/**
 * The one owner of container records. Records live in memory and are written
 * through to `<dataRoot>/containers/<id>/config.json` atomically, so a killed
 * daemon loses nothing that it had acknowledged. Names are unique.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ContainerRecord } from '../container/types';
import { ConflictError, InvalidArgumentError, NotFoundError } from '../base/errors';
import { readJson, removeTempFiles, writeJsonAtomic } from './atomic-file';

export class ContainerStore {
  private readonly byId = new Map<string, ContainerRecord>();
  private readonly byName = new Map<string, string>();

  private constructor(readonly dir: string) {}

  static async open(dataRoot: string): Promise<ContainerStore> {
    const dir = path.join(dataRoot, 'containers');
    await fs.mkdir(dir, { recursive: true, mode: 0o710 });
    const store = new ContainerStore(dir);
    await removeTempFiles(dir);
    for (const id of await fs.readdir(dir)) {
      const rec = await readJson<ContainerRecord>(path.join(dir, id, 'config.json')).catch(() => undefined);
      // A directory without a readable record is a create that never finished: drop it.
      if (!rec || rec.id !== id) {
        await fs.rm(path.join(dir, id), { recursive: true, force: true });
        continue;
      }
      store.byId.set(id, rec);
      store.byName.set(rec.name, id);
    }
    return store;
  }

  containerDir(id: string): string {
    return path.join(this.dir, id);
  }

  /** Reserve the name and persist the new record (the directory must exist). */
  async add(rec: ContainerRecord): Promise<void> {
    const holder = this.byName.get(rec.name);
    if (holder !== undefined && holder !== rec.id) throw nameConflict(rec.name, holder);
    this.byId.set(rec.id, rec);
    this.byName.set(rec.name, rec.id);
    try {
      await this.save(rec);
    } catch (e) {
      this.byId.delete(rec.id);
      this.byName.delete(rec.name);
      throw e;
    }
  }

  /** Reserve a name before the slow parts of create, so two creates cannot take it. */
  reserveName(name: string, id: string): void {
    const holder = this.byName.get(name);
    if (holder && holder !== id) throw nameConflict(name, holder);
    this.byName.set(name, id);
  }

  /** Whether a container holds the name or a create in progress reserved it. */
  nameTaken(name: string): boolean {
    return this.byName.has(name);
  }

  releaseName(name: string, id: string): void {
    if (this.byName.get(name) === id) this.byName.delete(name);
  }

  async save(rec: ContainerRecord): Promise<void> {
    await writeJsonAtomic(path.join(this.dir, rec.id, 'config.json'), rec);
  }

  async rename(rec: ContainerRecord, newName: string): Promise<void> {
    if (newName === rec.name) return;
    this.reserveName(newName, rec.id);
    const old = rec.name;
    rec.name = newName;
    try {
      await this.save(rec);
    } catch (e) {
      rec.name = old;
      this.releaseName(newName, rec.id);
      throw e;
    }
    this.releaseName(old, rec.id);
  }

  async delete(id: string): Promise<void> {
    const rec = this.byId.get(id);
    if (!rec) return;
    this.byId.delete(id);
    this.releaseName(rec.name, id);
    // Remove the record first so a crash in the middle of rm cannot resurrect a half-deleted container.
    await fs.rm(path.join(this.dir, id, 'config.json'), { force: true });
    await fs.rm(path.join(this.dir, id), { recursive: true, force: true });
  }

  all(): ContainerRecord[] {
    return [...this.byId.values()];
  }

  get(id: string): ContainerRecord | undefined {
    return this.byId.get(id);
  }

  /** Docker's lookup order: full id, exact name, unique id prefix. */
  resolve(ref: string): ContainerRecord {
    if (!ref) throw new InvalidArgumentError('No container name or ID supplied');
    const name = ref.startsWith('/') ? ref.slice(1) : ref;
    const exact = this.byId.get(ref) ?? this.byId.get(this.byName.get(name) ?? '');
    if (exact) return exact;
    if (/^[0-9a-f]+$/.test(ref)) {
      const matches = [...this.byId.keys()].filter((id) => id.startsWith(ref));
      if (matches.length === 1) return this.byId.get(matches[0]!)!;
      if (matches.length > 1) throw new InvalidArgumentError(`multiple IDs found with provided prefix: ${ref}`, 'AMBIGUOUS_ID');
    }
    throw new NotFoundError('container', ref);
  }
}

function nameConflict(name: string, holder: string): ConflictError {
  return new ConflictError(
    `Conflict. The container name "/${name}" is already in use by container "${holder}". You have to remove (or rename) that container to be able to reuse that name.`,
    'NAME_IN_USE',
  );
}

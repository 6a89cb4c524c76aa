/**
 * Owns <dataRoot>/volumes/: one directory per volume holding `_data` (what
 * containers see) and `volume.json` (its record, written atomically). Keeps the
 * records in memory after load; it never decides policy (index.ts does).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readJson, removeTempFiles, writeJsonAtomic } from '../state/atomic-file';
import type { VolumeRecord } from './types';

const RECORD = 'volume.json';

export class VolumeStore {
  private readonly records = new Map<string, VolumeRecord>();
  readonly dir: string;

  constructor(dataRoot: string) {
    this.dir = path.join(dataRoot, 'volumes');
  }

  async load(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o701 });
    await removeTempFiles(this.dir);
    for (const name of await fs.readdir(this.dir)) {
      const rec = await readJson<VolumeRecord>(path.join(this.dir, name, RECORD)).catch(() => undefined);
      // a directory without a record is a create that crashed before its record landed
      if (rec && rec.name === name) this.records.set(name, rec);
    }
  }

  all(): VolumeRecord[] {
    return [...this.records.values()];
  }

  get(name: string): VolumeRecord | undefined {
    return this.records.get(name);
  }

  dataDir(name: string): string {
    return path.join(this.dir, name, '_data');
  }

  /** `_data` first, then the record: a crash in between leaves a directory load() ignores. */
  async put(rec: VolumeRecord): Promise<void> {
    await fs.mkdir(this.dataDir(rec.name), { recursive: true, mode: 0o755 });
    await writeJsonAtomic(path.join(this.dir, rec.name, RECORD), rec);
    this.records.set(rec.name, rec);
  }

  /** The record goes first, so a crash mid-delete cannot leave a record without data. */
  async delete(name: string): Promise<void> {
    await fs.rm(path.join(this.dir, name, RECORD), { force: true });
    this.records.delete(name);
    await fs.rm(path.join(this.dir, name), { recursive: true, force: true });
  }
}

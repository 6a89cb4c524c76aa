/**
 * The build cache index: step key → image id, one JSON file under the data
 * root. The images themselves live in the image store; an entry whose image
 * was removed is simply a miss.
 */
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import { readJson, writeJsonAtomic } from '../state/atomic-file';
import type { BuildCacheStore } from './ports';

export class FileBuildCache implements BuildCacheStore {
  private entries: Record<string, string> | undefined;
  /** the write in progress, with any that were asked for meanwhile */
  private saving: Promise<void> | undefined;
  private dirty = false;
  private readonly file: string;

  constructor(dataRoot: string) {
    this.file = path.join(dataRoot, 'builder', 'cache.json');
  }

  private async load(): Promise<Record<string, string>> {
    if (!this.entries) this.entries = (await readJson<Record<string, string>>(this.file).catch(() => undefined)) ?? {};
    return this.entries;
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.load())[key];
  }

  /** Takes the entry at once; the file is written behind (see flush()): a step no longer waits for it. */
  async set(key: string, imageId: string): Promise<void> {
    const e = await this.load();
    if (e[key] === imageId) return; // a cache hit: nothing new to write
    e[key] = imageId;
    this.save().catch(() => undefined); // flush() reports it
  }

  /** Resolves once every entry set so far is in the file; rejects if the last write failed. */
  flush(): Promise<void> {
    return this.saving ?? Promise.resolve();
  }

  /** `docker builder prune`: forgets every entry; returns how many there were. */
  async clear(): Promise<number> {
    const n = Object.keys(await this.load()).length;
    this.entries = {};
    await this.save();
    return n;
  }

  private save(): Promise<void> {
    this.dirty = true;
    // one write at a time, the newest snapshot last; sets during a write make one more
    this.saving ??= (async () => {
      try {
        while (this.dirty) {
          this.dirty = false;
          await fs.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
          // no fsync: a cache index lost to a power cut reads as empty (load() takes an unreadable one so), and
          // an entry is only a hint (its image must still exist); one fsync per build step was ~5 ms of it
          await writeJsonAtomic(this.file, this.entries ?? {}, { durable: false });
        }
      } finally {
        this.saving = undefined;
      }
    })();
    return this.saving;
  }
}

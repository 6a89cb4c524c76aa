/**
 * Which compressed blobs a layer (by diffID) is known as, and in which
 * repositories: what lets push skip uploads ("Layer already exists") and
 * mount across repositories ("Mounted from x"). One JSON file, written
 * atomically; losing it only costs uploads.
 */
import { readJson, writeJsonAtomic } from '../../state/atomic-file';

export interface BlobSource {
  digest: string;
  mediaType: string;
  size: number;
  /** "domain/path" entries the blob was pulled from or pushed to */
  repos: string[];
}

const MAX_REPOS = 16;

export class BlobSources {
  private data: Record<string, BlobSource[]> = {};
  private loaded = false;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly file: string) {}

  private async load(): Promise<void> {
    if (this.loaded) return;
    this.data = (await readJson<Record<string, BlobSource[]>>(this.file).catch(() => undefined)) ?? {};
    this.loaded = true;
  }

  async lookup(diffId: string): Promise<BlobSource[]> {
    await this.load();
    return structuredClone(this.data[diffId] ?? []);
  }

  async add(diffId: string, blob: { digest: string; mediaType: string; size: number }, repo: string): Promise<void> {
    await this.load();
    const list = (this.data[diffId] ??= []);
    let entry = list.find((b) => b.digest === blob.digest);
    if (!entry) {
      entry = { ...blob, repos: [] };
      list.push(entry);
    }
    entry.repos = [repo, ...entry.repos.filter((r) => r !== repo)].slice(0, MAX_REPOS);
    // Serialise writes: concurrent layer tasks add entries at once.
    const snapshot = JSON.parse(JSON.stringify(this.data)) as Record<string, BlobSource[]>;
    this.writing = this.writing.then(() => writeJsonAtomic(this.file, snapshot));
    await this.writing;
  }
}

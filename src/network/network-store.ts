/**
 * Owns the persisted network state under <dataRoot>/networks/: one JSON file
 * per network (<id>.json) and one per container sandbox (sandboxes/<cid>.json),
 * written atomically. It keeps everything in memory after load; it never runs
 * netavark and never decides policy (index.ts does).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { NotFoundError, InvalidArgumentError } from '../base/errors';
import { readJson, removeTempFiles, writeJsonAtomic } from '../state/atomic-file';
import type { NetworkRecord, SandboxRecord } from './types';

export class NetworkStore {
  private readonly networks = new Map<string, NetworkRecord>();
  private readonly sandboxes = new Map<string, SandboxRecord>();
  private readonly dir: string;
  private readonly sandboxDir: string;

  constructor(dataRoot: string) {
    this.dir = path.join(dataRoot, 'networks');
    this.sandboxDir = path.join(this.dir, 'sandboxes');
  }

  async load(): Promise<void> {
    await fs.mkdir(this.sandboxDir, { recursive: true, mode: 0o700 });
    await removeTempFiles(this.dir);
    for (const f of await fs.readdir(this.dir)) {
      if (!f.endsWith('.json')) continue;
      const rec = await readJson<NetworkRecord>(path.join(this.dir, f));
      if (rec) this.networks.set(rec.id, rec);
    }
    for (const f of await fs.readdir(this.sandboxDir)) {
      if (!f.endsWith('.json')) continue;
      const rec = await readJson<SandboxRecord>(path.join(this.sandboxDir, f));
      if (rec) this.sandboxes.set(rec.containerId, rec);
    }
  }

  allNetworks(): NetworkRecord[] {
    return [...this.networks.values()];
  }

  byName(name: string): NetworkRecord | undefined {
    return this.allNetworks().find((n) => n.name === name);
  }

  /** Docker's lookup order: full id, exact name, then a unique id prefix. */
  resolve(ref: string): NetworkRecord {
    const byId = this.networks.get(ref);
    if (byId) return byId;
    const named = this.byName(ref);
    if (named) return named;
    if (/^[0-9a-f]+$/.test(ref)) {
      const matches = this.allNetworks().filter((n) => n.id.startsWith(ref));
      if (matches.length === 1) return matches[0]!;
      if (matches.length > 1) throw new InvalidArgumentError(`network ${ref} is ambiguous (${matches.length} matches found based on ID prefix)`, 'NETWORK_AMBIGUOUS');
    }
    throw new NotFoundError('network', ref, `network ${ref} not found`);
  }

  async putNetwork(rec: NetworkRecord): Promise<void> {
    await writeJsonAtomic(path.join(this.dir, `${rec.id}.json`), rec);
    this.networks.set(rec.id, rec);
  }

  async deleteNetwork(id: string): Promise<void> {
    await fs.rm(path.join(this.dir, `${id}.json`), { force: true });
    this.networks.delete(id);
  }

  allSandboxes(): SandboxRecord[] {
    return [...this.sandboxes.values()];
  }

  sandbox(containerId: string): SandboxRecord | undefined {
    return this.sandboxes.get(containerId);
  }

  async putSandbox(rec: SandboxRecord): Promise<void> {
    await writeJsonAtomic(path.join(this.sandboxDir, `${rec.containerId}.json`), rec);
    this.sandboxes.set(rec.containerId, rec);
  }

  async deleteSandbox(containerId: string): Promise<void> {
    await fs.rm(path.join(this.sandboxDir, `${containerId}.json`), { force: true });
    this.sandboxes.delete(containerId);
  }

  /** Endpoints on a network, with their container. */
  endpointsOf(networkId: string): Array<{ sandbox: SandboxRecord; networkId: string }> {
    return this.allSandboxes().filter((s) => s.endpoints[networkId]).map((s) => ({ sandbox: s, networkId }));
  }

  /** Addresses in use on a network: what IPAM re-learns after a restart. */
  usedAddresses(networkId: string): string[] {
    return this.allSandboxes().flatMap((s) => (s.endpoints[networkId] ? [s.endpoints[networkId]!.ipAddress] : []));
  }
}

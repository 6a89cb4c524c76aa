/**
 * The daemon's signature policy (`berth daemon --signature-policy FILE`): images under the scopes it names
 * (a registry "host:port", or a repository prefix "host:port/team") are pulled only when a signature by one
 * of the scope's keys verifies, and run only when they were pulled that way. The ids of verified images are
 * kept in `<dataRoot>/image/trust-verified.json`; this class is their one owner.
 *
 * Policy file: {"registries": {"127.0.0.1:5000/signed": {"keys": ["/etc/berth/keys/cosign.pub"]}}}
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { KeyObject } from 'node:crypto';
import { ForbiddenError, InvalidArgumentError } from '../base/errors';
import { readJson, writeJsonAtomic } from '../state/atomic-file';
import { parsePublicKey } from './distribution/signatures';
import { parseReference, repositoryName, type ImageReference } from './reference';
import type { ImageRecord } from './types';

interface PolicyFile {
  registries?: Record<string, { keys?: unknown }>;
}

export class TrustPolicy {
  private constructor(
    private readonly scopes: Array<{ scope: string; keys: KeyObject[] }>,
    private readonly verifiedFile: string,
    private readonly verified: Map<string, { digest: string; scope: string }>,
  ) {}

  static async open(policyFile: string | undefined, imageRoot: string): Promise<TrustPolicy> {
    const scopes: Array<{ scope: string; keys: KeyObject[] }> = [];
    if (policyFile) {
      let doc: PolicyFile;
      try {
        doc = JSON.parse(await fs.readFile(policyFile, 'utf8')) as PolicyFile;
      } catch (e) {
        throw new InvalidArgumentError(`signature policy ${policyFile}: ${(e as Error).message}`);
      }
      for (const [scope, rule] of Object.entries(doc.registries ?? {})) {
        const files = rule.keys;
        if (!Array.isArray(files) || !files.length || !files.every((f): f is string => typeof f === 'string')) {
          throw new InvalidArgumentError(`signature policy ${policyFile}: scope "${scope}" needs "keys": a list of public key files`);
        }
        const keys = await Promise.all(files.map(async (f) => parsePublicKey(await fs.readFile(path.resolve(path.dirname(policyFile), f), 'utf8').catch((e: Error) => {
          throw new InvalidArgumentError(`signature policy ${policyFile}: key ${f}: ${e.message}`);
        }))));
        scopes.push({ scope: scope.replace(/\/+$/, ''), keys });
      }
    }
    const verifiedFile = path.join(imageRoot, 'trust-verified.json');
    const saved = (await readJson<Record<string, { digest: string; scope: string }>>(verifiedFile)) ?? {};
    return new TrustPolicy(scopes, verifiedFile, new Map(Object.entries(saved)));
  }

  get active(): boolean {
    return this.scopes.length > 0;
  }

  /** The most specific scope that covers the repository, with its keys. */
  scopeFor(ref: ImageReference): { scope: string; keys: KeyObject[] } | undefined {
    const name = repositoryName(ref);
    return this.scopes
      .filter((s) => name === s.scope || name.startsWith(`${s.scope}/`))
      .sort((a, b) => b.scope.length - a.scope.length)[0];
  }

  async markVerified(imageId: string, digest: string, scope: string): Promise<void> {
    this.verified.set(imageId, { digest, scope });
    await writeJsonAtomic(this.verifiedFile, Object.fromEntries(this.verified));
  }

  /** Refuses to run an image named under a scope unless it was pulled with a verified signature. */
  assertRunnable(image: ImageRecord): void {
    if (!this.active || this.verified.has(image.id)) return;
    for (const name of [...image.repoTags, ...image.repoDigests]) {
      const s = this.scopeFor(parseReference(name));
      if (s) throw new ForbiddenError(`image ${name} is not verified: the signature policy requires images under ${s.scope} to be pulled with a signature by a trusted key`);
    }
  }
}

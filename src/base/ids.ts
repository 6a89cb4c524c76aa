import { randomBytes } from 'node:crypto';

/** Branded identifiers: a full 64-hex container id, "sha256:<hex>" image ids and digests. */
export type ContainerId = string & { readonly __brand: 'ContainerId' };
export type ExecId = string & { readonly __brand: 'ExecId' };
export type ImageId = string & { readonly __brand: 'ImageId' };
export type Digest = string & { readonly __brand: 'Digest' };

export function newId(): string {
  return randomBytes(32).toString('hex');
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

/** Docker's rule for container names: [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
export const CONTAINER_NAME_RE = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

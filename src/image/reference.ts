/**
 * Image references as Docker reads them: `busybox` is docker.io/library/busybox:latest,
 * a first component with a dot, a colon or "localhost" is a registry host.
 */
import { InvalidArgumentError } from '../base/errors';

export const DEFAULT_DOMAIN = 'docker.io';
export const DEFAULT_TAG = 'latest';

export interface ImageReference {
  domain: string; // "docker.io", "127.0.0.1:5000"
  path: string; // "library/busybox", "rec/img"
  tag?: string;
  digest?: string; // "sha256:<hex>"
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const DOMAIN = /^(?:localhost|[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::\d+)?$/;

export function parseReference(input: string): ImageReference {
  const bad = (why = '') => new InvalidArgumentError(`invalid reference format${why}`, 'INVALID_REFERENCE');
  if (!input || input.length > 255 + 128) throw bad();
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw bad();
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad();
  }
  if (!rest) throw bad();
  const parts = rest.split('/');
  let domain = DEFAULT_DOMAIN;
  if (parts.length > 1 && (parts[0]!.includes('.') || parts[0]!.includes(':') || parts[0] === 'localhost' || parts[0]!.startsWith('['))) {
    domain = parts.shift()!;
    if (!DOMAIN.test(domain)) throw bad();
  }
  if (domain === 'index.docker.io') domain = DEFAULT_DOMAIN;
  let path = parts.join('/');
  if (domain === DEFAULT_DOMAIN && parts.length === 1) path = `library/${path}`;
  for (const c of parts) {
    if (!COMPONENT.test(c)) {
      if (COMPONENT.test(c.toLowerCase())) throw bad(`: repository name (${path}) must be lowercase`);
      throw bad();
    }
  }
  if (path.length + domain.length + 1 > 255) throw bad(': repository name must not be more than 255 characters');
  return { domain, path, tag, digest };
}

/** The full name without tag or digest: "docker.io/library/busybox". */
export function repositoryName(r: ImageReference): string {
  return `${r.domain}/${r.path}`;
}

/** Docker's short form: "busybox", "rec/img", "127.0.0.1:5000/rec/img". */
export function familiarName(r: ImageReference): string {
  if (r.domain !== DEFAULT_DOMAIN) return `${r.domain}/${r.path}`;
  return r.path.startsWith('library/') && r.path.split('/').length === 2 ? r.path.slice('library/'.length) : r.path;
}

/** "busybox:latest" — a reference with the default tag filled in when it has no digest. */
export function familiarTagged(r: ImageReference): string {
  return `${familiarName(r)}:${r.tag ?? DEFAULT_TAG}`;
}

/** Normalizes a user's reference into the tag key the store uses ("busybox:latest"). */
export function normalizeTag(input: string): string {
  return familiarTagged(parseReference(input));
}

export function looksLikeId(ref: string): boolean {
  return /^(sha256:)?[0-9a-f]{1,64}$/.test(ref);
}

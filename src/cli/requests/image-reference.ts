/** Docker reference normalisation as the CLI does before tag/pull: "bb" → docker.io/library/bb + "latest". */
export interface NormalizedReference {
  /** e.g. "docker.io/library/busybox", "127.0.0.1:5000/rec/x" */
  repository: string;
  tag: string | undefined;
  digest: string | undefined;
}

export function normalizeReference(ref: string): NormalizedReference {
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const slash = rest.indexOf('/');
  const first = slash < 0 ? '' : rest.slice(0, slash);
  let repository: string;
  if (first && (first.includes('.') || first.includes(':') || first === 'localhost')) repository = rest;
  else if (slash < 0) repository = `docker.io/library/${rest}`;
  else repository = `docker.io/${rest}`;
  if (!tag && !digest) tag = 'latest';
  return { repository, tag, digest };
}

/** The short form users typed for messages ("busybox:latest"). */
export function familiarName(ref: string): string {
  const n = normalizeReference(ref);
  const repo = n.repository.replace(/^docker\.io\/(library\/)?/, '');
  return `${repo}${n.tag ? `:${n.tag}` : ''}${n.digest ? `@${n.digest}` : ''}`;
}

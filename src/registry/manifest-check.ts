/**
 * Pure checks of a pushed manifest: JSON shape, media type agreement with
 * Content-Type, and the descriptors it references. No storage access here;
 * registry.ts decides which references must exist.
 */
import { MediaTypes } from '../protocol/oci/image.js';
import { DistributionError } from './errors.js';
import { parseDigest } from './names.js';

/** Manifests above this size get 413 (the spec asks registries to take at least 4 MiB). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface CheckedDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  /** foreign layers (Docker's nondistributable) are not expected to be in the registry */
  external: boolean;
}

export interface CheckedManifest {
  mediaType: string;
  kind: 'image' | 'index';
  /** config + layers (image) — must be blobs of the repo */
  blobs: CheckedDescriptor[];
  /** children (index) — must be manifests of the repo */
  manifests: CheckedDescriptor[];
  subject?: string;
  artifactType?: string;
  configMediaType?: string;
  annotations?: Record<string, string>;
}

const INDEX_TYPES = new Set<string>([MediaTypes.ociIndex, MediaTypes.dockerManifestList]);
const IMAGE_TYPES = new Set<string>([MediaTypes.ociManifest, MediaTypes.dockerManifest]);

function invalid(message: string, detail?: unknown): DistributionError {
  return new DistributionError(400, 'MANIFEST_INVALID', { message: `manifest invalid: ${message}`, detail });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkDescriptor(v: unknown, where: string): CheckedDescriptor {
  if (!isObject(v)) throw invalid(`${where} is not a descriptor`);
  const { mediaType, digest, size, urls } = v;
  if (typeof mediaType !== 'string' || mediaType === '') throw invalid(`${where}.mediaType missing`);
  if (typeof digest !== 'string' || !parseDigest(digest)) throw invalid(`${where}.digest invalid`, { digest });
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw invalid(`${where}.size invalid`);
  return { mediaType, digest, size, external: Array.isArray(urls) && urls.length > 0 };
}

/** Strips parameters (`; charset=...`) the spec tells registries to ignore. */
export function bareMediaType(contentType: string | undefined): string | undefined {
  const t = contentType?.split(';')[0]?.trim();
  return t ? t : undefined;
}

export function checkManifest(body: Buffer, contentType: string | undefined): CheckedManifest {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw invalid(`not JSON (${(e as Error).message})`);
  }
  if (!isObject(doc)) throw invalid('not a JSON object');
  if (doc.schemaVersion !== 2) throw invalid('schemaVersion must be 2', { schemaVersion: doc.schemaVersion });
  const declared = typeof doc.mediaType === 'string' ? doc.mediaType : undefined;
  const header = bareMediaType(contentType);
  if (declared && header && header !== declared && header !== 'application/json' && header !== 'application/octet-stream') {
    throw invalid('mediaType does not match Content-Type', { mediaType: declared, contentType: header });
  }
  const hasManifests = Array.isArray(doc.manifests);
  const hasConfig = isObject(doc.config);
  const mediaType =
    declared ?? (header && header !== 'application/json' && header !== 'application/octet-stream' ? header : undefined) ?? (hasManifests ? MediaTypes.ociIndex : MediaTypes.ociManifest);

  const kind: 'image' | 'index' = INDEX_TYPES.has(mediaType) || (!IMAGE_TYPES.has(mediaType) && hasManifests) ? 'index' : 'image';
  const out: CheckedManifest = { mediaType, kind, blobs: [], manifests: [] };
  if (kind === 'index') {
    if (!hasManifests) throw invalid('index without manifests');
    out.manifests = (doc.manifests as unknown[]).map((m, i) => checkDescriptor(m, `manifests[${i}]`));
  } else {
    if (!hasConfig) throw invalid('image manifest without config');
    if (!Array.isArray(doc.layers)) throw invalid('image manifest without layers');
    const config = checkDescriptor(doc.config, 'config');
    out.configMediaType = config.mediaType;
    out.blobs = [config, ...(doc.layers as unknown[]).map((l, i) => checkDescriptor(l, `layers[${i}]`))];
  }
  if (doc.subject !== undefined) out.subject = checkDescriptor(doc.subject, 'subject').digest;
  if (typeof doc.artifactType === 'string' && doc.artifactType !== '') out.artifactType = doc.artifactType;
  if (isObject(doc.annotations)) out.annotations = doc.annotations as Record<string, string>;
  return out;
}

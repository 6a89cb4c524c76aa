/**
 * Image signatures as cosign stores them with a key pair ("simple signing"): for an image manifest
 * `sha256:X` the registry holds an OCI manifest tagged `sha256-X.sig` whose layers are JSON payloads naming
 * the repository and the manifest digest, each with an `dev.cosignproject.cosign/signature` annotation (base64
 * of the signature over the payload bytes). ECDSA P-256 (cosign's default), RSA and Ed25519 public keys in PEM
 * are verified with Node's crypto, which reads every PEM form cosign and openssl write; no npm package adds to
 * that. Signatures made here verify with `cosign verify --key`, and cosign's verify here, for unencrypted keys.
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { ForbiddenError, InvalidArgumentError, NotFoundError } from '../../base/errors';
import { MediaTypes } from '../../protocol/oci/image';
import type { ImageReference } from '../reference';
import { repositoryName } from '../reference';
import { type AuthConfig, type RegistryClient, type RepositoryClient, sha256Digest } from './registry-client';
import { registryEndpoints } from './endpoint';

export const SIMPLE_SIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';

/** cosign's tag for the signatures of a manifest digest. */
export function signatureTag(digest: string): string {
  return `${digest.replace(':', '-')}.sig`;
}

export function simpleSigningPayload(repository: string, digest: string): Buffer {
  return Buffer.from(JSON.stringify({ critical: { identity: { 'docker-reference': repository }, image: { 'docker-manifest-digest': digest }, type: 'cosign container image signature' }, optional: null }));
}

export function parsePublicKey(pem: string): KeyObject {
  try {
    return createPublicKey(pem);
  } catch (e) {
    throw new InvalidArgumentError(`not a PEM public key: ${(e as Error).message}`);
  }
}

/** Ed25519 signs the message itself; ECDSA and RSA a SHA-256 digest of it. */
function algorithmOf(key: KeyObject): string | null {
  return key.asymmetricKeyType === 'ed25519' ? null : 'sha256';
}

export function signPayload(payload: Buffer, privateKeyPem: string): Buffer {
  let key: KeyObject;
  try {
    key = createPrivateKey(privateKeyPem);
  } catch (e) {
    throw new InvalidArgumentError(`not an unencrypted PEM private key: ${(e as Error).message}`);
  }
  return sign(algorithmOf(key), payload, key);
}

export function verifyPayload(payload: Buffer, signatureB64: string, key: KeyObject): boolean {
  try {
    return verify(algorithmOf(key), payload, key, Buffer.from(signatureB64, 'base64'));
  } catch {
    return false;
  }
}

interface SignatureManifest {
  schemaVersion: number;
  mediaType?: string;
  config: { mediaType: string; digest: string; size: number };
  layers: Array<{ mediaType: string; digest: string; size: number; annotations?: Record<string, string> }>;
}

function repoClient(client: RegistryClient, ref: ImageReference, auth: AuthConfig | undefined, push: boolean): RepositoryClient {
  const ep = registryEndpoints(ref.domain, client.options, push)[0]!;
  return client.repository(ep, ref.path, { ...(auth ? { auth } : {}), actions: push ? ['pull', 'push'] : ['pull'] });
}

/** The manifest digest a tag or digest reference names at its registry. */
export async function remoteDigest(repo: RepositoryClient, ref: ImageReference): Promise<string> {
  if (ref.digest) return ref.digest;
  const head = await repo.headManifest(ref.tag ?? 'latest');
  if (!head) throw new NotFoundError('manifest', repositoryName(ref), `manifest for ${repositoryName(ref)}:${ref.tag ?? 'latest'} not found: the image must be pushed before it is signed or verified`);
  return head.digest ?? (await repo.getManifest(ref.tag ?? 'latest')).digest;
}

/** Signs the image's manifest at its registry: adds a layer to its `.sig` manifest (kept layers stay). */
export async function signImage(client: RegistryClient, ref: ImageReference, privateKeyPem: string, auth?: AuthConfig): Promise<{ digest: string; signatureTag: string }> {
  const repo = repoClient(client, ref, auth, true);
  const digest = await remoteDigest(repo, ref);
  const payload = simpleSigningPayload(repositoryName(ref), digest);
  const signature = signPayload(payload, privateKeyPem).toString('base64');
  const tag = signatureTag(digest);
  const existing = await repo.headManifest(tag);
  const layers: SignatureManifest['layers'] = existing ? (JSON.parse((await repo.getManifest(tag)).bytes.toString('utf8')) as SignatureManifest).layers : [];
  const payloadDigest = sha256Digest(payload);
  if (!layers.some((l) => l.digest === payloadDigest && l.annotations?.[SIGNATURE_ANNOTATION] === signature)) {
    layers.push({ mediaType: SIMPLE_SIGNING_MEDIA_TYPE, digest: payloadDigest, size: payload.length, annotations: { [SIGNATURE_ANNOTATION]: signature } });
  }
  if ((await repo.headBlob(payloadDigest)) === undefined) await repo.uploadBlob(payloadDigest, payload.length, payload);
  // the config cosign writes: an image config whose one "layer" is each payload
  const config = Buffer.from(JSON.stringify({ architecture: '', config: {}, created: '0001-01-01T00:00:00Z', history: layers.map(() => ({ created: '0001-01-01T00:00:00Z' })), os: '', rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) } }));
  const configDigest = sha256Digest(config);
  if ((await repo.headBlob(configDigest)) === undefined) await repo.uploadBlob(configDigest, config.length, config);
  const manifest: SignatureManifest = { schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: { mediaType: MediaTypes.ociConfig, digest: configDigest, size: config.length }, layers };
  await repo.putManifest(tag, Buffer.from(JSON.stringify(manifest)), MediaTypes.ociManifest);
  return { digest, signatureTag: tag };
}

export interface VerifiedSignature {
  digest: string;
  /** index of the key (in the list given) that verified a signature */
  keyIndex: number;
}

/**
 * Checks that the image the reference names at its registry carries a signature by one of the keys, over a
 * payload naming this repository and this digest. Throws UnauthorizedError in words otherwise.
 */
export async function verifyImage(client: RegistryClient, ref: ImageReference, keys: KeyObject[], auth?: AuthConfig): Promise<VerifiedSignature> {
  const repo = repoClient(client, ref, auth, false);
  const digest = await remoteDigest(repo, ref);
  const name = repositoryName(ref);
  const tag = signatureTag(digest);
  if (!(await repo.headManifest(tag))) throw new ForbiddenError(`image ${name}@${digest} is not signed: no signatures found (${tag})`);
  const manifest = JSON.parse((await repo.getManifest(tag)).bytes.toString('utf8')) as SignatureManifest;
  for (const layer of manifest.layers ?? []) {
    const sig = layer.annotations?.[SIGNATURE_ANNOTATION];
    if (layer.mediaType !== SIMPLE_SIGNING_MEDIA_TYPE || !sig || layer.size > 64 * 1024) continue;
    const payload = await repo.getBlobBytes(layer.digest);
    let claim: { critical?: { identity?: { 'docker-reference'?: string }; image?: { 'docker-manifest-digest'?: string } } };
    try {
      claim = JSON.parse(payload.toString('utf8')) as typeof claim;
    } catch {
      continue;
    }
    // a signature over another image, or over this digest under another name, proves nothing here
    if (claim.critical?.image?.['docker-manifest-digest'] !== digest) continue;
    if (claim.critical?.identity?.['docker-reference'] !== name) continue;
    const keyIndex = keys.findIndex((k) => verifyPayload(payload, sig, k));
    if (keyIndex >= 0) return { digest, keyIndex };
  }
  throw new ForbiddenError(`image ${name}@${digest} is not signed by a trusted key`);
}

/**
 * Which layer media types a pull accepts. The layer store sniffs the actual
 * compression (gzip, zstd, none); this refuses foreign or unknown types up
 * front instead of unpacking something that is not a layer tar.
 */
import { NotImplementedError } from '../../base/errors';

export type LayerCompression = 'gzip' | 'zstd' | 'none';

export function layerCompression(mediaType: string): LayerCompression {
  if (mediaType === 'application/vnd.docker.image.rootfs.diff.tar.gzip' || /^application\/vnd\.oci\.image\.layer(\.nondistributable)?\.v1\.tar\+gzip$/.test(mediaType)) return 'gzip';
  if (/^application\/vnd\.oci\.image\.layer(\.nondistributable)?\.v1\.tar\+zstd$/.test(mediaType)) return 'zstd';
  if (/^application\/vnd\.oci\.image\.layer(\.nondistributable)?\.v1\.tar$/.test(mediaType)) return 'none';
  throw new NotImplementedError(`unsupported layer media type ${mediaType}`, 'LAYER_MEDIA_TYPE_UNSUPPORTED');
}

/** Host facts the pure OCI spec generator needs: read once per daemon, plus the devices a container asks for. */
import type { HostFacts } from '../runtime/oci-spec';
import { readHostFacts } from '../runtime/host-facts';

let cached: Promise<HostFacts> | undefined;

export async function hostFacts(devicePaths: string[] = []): Promise<HostFacts> {
  if (devicePaths.length) return readHostFacts(devicePaths);
  cached ??= readHostFacts();
  return cached;
}

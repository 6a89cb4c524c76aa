/**
 * A rootless daemon's bridge networking: the default `bridge` network is a pasta per container
 * (pasta-networking.ts); user-defined networks are netavark bridges in the daemon's rootless netns
 * (network/rootless-netns.ts), driven through the same network service as a rootful daemon's.
 * A container is on one kind or the other.
 */
import { InvalidArgumentError } from '../base/errors';
import type { NetworkJoin } from '../container/context';
import type { ContainerRecord } from '../container/types';
import { ROOTLESS_BRIDGE_MIX } from '../network/pasta';
import { requestedNetworks, type NetavarkBridge } from './bridge-networking';
import type { BridgeNetworking } from './networking';
import type { PastaNetworking } from './pasta-networking';

export class RootlessNetworking implements BridgeNetworking {
  constructor(
    private readonly pasta: PastaNetworking,
    private readonly userNetworks: NetavarkBridge,
  ) {}

  private pick(rec: ContainerRecord): BridgeNetworking {
    const names = Object.keys(requestedNetworks(rec));
    if (!names.includes('bridge')) return this.userNetworks;
    if (names.length > 1) throw new InvalidArgumentError(ROOTLESS_BRIDGE_MIX, 'ROOTLESS_NETWORK');
    return this.pasta;
  }

  async validate(rec: ContainerRecord): Promise<void> {
    return this.pick(rec).validate(rec);
  }

  async setup(rec: ContainerRecord): Promise<NetworkJoin> {
    return this.pick(rec).setup(rec);
  }

  /** Both: each releases only what it holds for the container (its spec may have changed since start). */
  async teardown(rec: ContainerRecord): Promise<void> {
    await this.pasta.teardown(rec);
    await this.userNetworks.teardown(rec);
  }
}

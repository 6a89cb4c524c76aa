/**
 * `docker network connect|disconnect`: they touch both a network (endpoints)
 * and a container (its record and, when running, its live sandbox), so they
 * live here, above both services.
 */
import { ForbiddenError } from '../base/errors';
import type { Containers } from '../container/index';
import type { NetworkService } from '../network/types';
import { attachmentOf } from './bridge-networking';

export interface ConnectOptions {
  aliases: string[];
  ipv4Address?: string;
}

export async function connectContainer(networks: NetworkService, containers: Containers, netRef: string, containerRef: string, opts: ConnectOptions): Promise<void> {
  const { network } = await networks.inspect(netRef);
  await containers.mutate(containerRef, async (rec) => {
    const mode = rec.spec.host.networkMode;
    if (mode === 'host' || mode === 'none' || mode.startsWith('container:')) {
      throw new ForbiddenError(`container cannot be disconnected from host network or connected to host network`);
    }
    if (rec.networks[network.name] && rec.networks[network.name]!.ipAddress) {
      throw new ForbiddenError(`endpoint with name ${rec.name} already exists in network ${network.name}`);
    }
    const aliases = [...opts.aliases];
    if (!network.predefined && !aliases.includes(rec.id.slice(0, 12))) aliases.push(rec.id.slice(0, 12));
    if (rec.state.status === 'running' || rec.state.status === 'paused') {
      const ep = await networks.connect(network.id, { containerId: rec.id, containerName: rec.name, aliases, ipv4Address: opts.ipv4Address });
      if (ep) rec.networks[network.name] = attachmentOf(ep);
    } else {
      rec.networks[network.name] = { ipAddress: '', ipPrefixLen: 0, gateway: '', macAddress: '', aliases, networkId: network.id, endpointId: '' };
    }
    // remembered for the next start
    rec.spec.networks[network.name] = { aliases: opts.aliases, ipv4Address: opts.ipv4Address };
  });
}

export async function disconnectContainer(networks: NetworkService, containers: Containers, netRef: string, containerRef: string, force: boolean): Promise<void> {
  const { network } = await networks.inspect(netRef);
  await containers.mutate(containerRef, async (rec) => {
    const attached = rec.networks[network.name] !== undefined || rec.spec.networks[network.name] !== undefined
      || (network.name === 'bridge' && (rec.spec.host.networkMode === 'default' || rec.spec.host.networkMode === 'bridge'));
    if (!attached && !force) throw new ForbiddenError(`container ${rec.id} is not connected to network ${network.name}`);
    if (rec.state.status === 'running' || rec.state.status === 'paused') await networks.disconnect(network.id, rec.id, force);
    delete rec.networks[network.name];
    delete rec.spec.networks[network.name];
  });
}

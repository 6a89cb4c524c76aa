/**
 * Bridge networking for containers, over network/'s service: a netns per
 * container, netavark endpoints on each requested network, published ports,
 * and the hosts/resolv.conf the network module renders.
 */
import { promises as fs } from 'node:fs';
import type { NetworkJoin } from '../container/context';
import type { ContainerRecord } from '../container/types';
import type { NetworkService } from '../network/types';
import { planPortRequests } from '../network/ports';
import { withHostGateway, type BridgeNetworking } from './networking';
import type { EndpointRecord } from '../network/types';

/** A network endpoint as a container record keeps it. */
export function attachmentOf(ep: EndpointRecord): ContainerRecord['networks'][string] {
  return {
    ipAddress: ep.ipAddress,
    ipPrefixLen: ep.ipPrefixLen,
    gateway: ep.gateway,
    macAddress: ep.macAddress,
    aliases: ep.aliases,
    networkId: ep.networkId,
    endpointId: ep.endpointId,
  };
}

/** The networks a container asks for: NetworkMode plus NetworkingConfig's endpoints. */
export function requestedNetworks(rec: ContainerRecord): Record<string, { aliases: string[]; ipv4Address?: string; macAddress?: string }> {
  const mode = rec.spec.host.networkMode === 'default' || rec.spec.host.networkMode === '' ? 'bridge' : rec.spec.host.networkMode;
  const out: Record<string, { aliases: string[]; ipv4Address?: string; macAddress?: string }> = {};
  for (const [name, ep] of Object.entries(rec.spec.networks)) {
    out[name === 'default' ? 'bridge' : name] = { aliases: [...ep.aliases], ipv4Address: ep.ipv4Address || undefined, ...(ep.macAddress ? { macAddress: ep.macAddress } : {}) };
  }
  if (!out[mode]) out[mode] = { aliases: [] };
  return out;
}

export class NetavarkBridge implements BridgeNetworking {
  constructor(private readonly networks: NetworkService) {}

  /** Port specs are checked at create (400). Networks are looked up at start, as dockerd does: the
   * docker CLI reads any 404 from create as "image not found" and would try to pull. */
  async validate(rec: ContainerRecord): Promise<void> {
    planPortRequests(rec.spec.host.portBindings, rec.spec.exposedPorts, rec.spec.host.publishAllPorts);
  }

  async setup(rec: ContainerRecord): Promise<NetworkJoin> {
    for (const name of Object.keys(requestedNetworks(rec))) await this.networks.inspect(name);
    const netnsPath = await this.networks.prepareSandbox();
    try {
      const requested = requestedNetworks(rec);
      // Docker adds the short id as an alias on user-defined networks, so peers resolve it.
      for (const [name, r] of Object.entries(requested)) if (name !== 'bridge' && !r.aliases.includes(rec.id.slice(0, 12))) r.aliases.push(rec.id.slice(0, 12));
      const res = await this.networks.attach({
        containerId: rec.id,
        containerName: rec.name,
        hostname: rec.hostname,
        netnsPath,
        networks: requested,
        portBindings: rec.spec.host.portBindings,
        exposedPorts: rec.spec.exposedPorts,
        publishAll: rec.spec.host.publishAllPorts,
      });
      rec.networks = {};
      for (const [name, ep] of Object.entries(res.networks)) rec.networks[name] = attachmentOf(ep);
      rec.ports = res.ports;
      const ready = this.networks.activate(rec.id).then((eps) => {
        for (const [name, ep] of Object.entries(eps)) rec.networks[name] = attachmentOf(ep); // netavark chose the MACs
      });
      ready.catch(() => undefined); // awaited by start; this only keeps an early failure from being "unhandled"
      const hostResolvConf = await fs.readFile('/etc/resolv.conf', 'utf8').catch(() => '');
      const h = rec.spec.host;
      return {
        ready,
        netns: netnsPath,
        hosts: this.networks.hostsFile(rec.id, await this.withHostGateway(h.extraHosts), rec.spec.domainname),
        resolvConf: this.networks.resolvConf(rec.id, { hostResolvConf, dns: h.dns, dnsSearch: h.dnsSearch, dnsOptions: h.dnsOptions }),
      };
    } catch (e) {
      await this.networks.detach(rec.id).catch(() => undefined);
      await this.networks.releaseSandbox(netnsPath).catch(() => undefined);
      throw e;
    }
  }

  /** Docker's `host-gateway` is the default bridge's gateway address. */
  private async withHostGateway(extraHosts: string[]): Promise<string[]> {
    if (!extraHosts.some((e) => e.endsWith(':host-gateway'))) return extraHosts;
    return withHostGateway(extraHosts, (await this.networks.inspect('bridge')).network.gateway);
  }

  /** Returns before netavark has run: see NetworkService.release. */
  async teardown(rec: ContainerRecord): Promise<void> {
    this.networks.release(rec.id);
    // Docker keeps the network list of a stopped container but clears its addresses.
    for (const n of Object.values(rec.networks)) {
      n.ipAddress = '';
      n.ipPrefixLen = 0;
      n.gateway = '';
      n.macAddress = '';
    }
    rec.ports = {};
  }
}

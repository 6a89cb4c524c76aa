/**
 * The network service: Docker's /networks operations plus what the container
 * lifecycle needs (sandbox netns, attach/detach through netavark, boot
 * recovery). It owns IP and host-port allocation; it does not know about
 * container state, which the caller passes in.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ConflictError, ForbiddenError, InvalidArgumentError, NotFoundError, UnavailableError, errorMessage } from '../base/errors';
import { PASTA_DNS, PASTA_GATEWAY, PASTA_PREFIX, ROOTLESS_BRIDGE_MIX } from './pasta';
import { RootlessNetns } from './rootless-netns';
import { newId } from '../base/ids';
import { KeyedMutex } from '../base/async';
import type { Logger } from '../base/logger';
import type { EventBus } from '../base/events';
import { allocateAddress, chooseSubnet, contains, defaultGateway, formatSubnet, isAssignable, isIPv4, macForAddress, overlaps, parseProcNetRoute, parseSubnet, type Subnet } from './ipam';
import { choosePorts, planPortRequests, toNetavarkPortMappings, toPortMap, type PortProtocol } from './ports';
import { canBindPort, ephemeralPortRange } from './host-ports';
import { NetworkStore } from './network-store';
import { createNetns, netnsDir, newNetnsName, removeNetns } from './netns';
import { Netavark, toNetavarkNetwork, type NetavarkConfig } from './netavark';
import { renderHosts, renderResolvConf } from './dns-files';
import { ensureAnchor, linkExists, removeAnchor } from './anchor';
import { runUnchecked } from '../platform/spawn';
import { addGuards, guardRules, removeGuards } from './loopback-guard';
import type { AttachOptions, AttachResult, DnsFilesOptions, EndpointRecord, EndpointRequest, NetworkCreateOptions, NetworkCreateResult, NetworkInfo, NetworkRecord, NetworkService, SandboxRecord } from './types';

export type * from './types';
export { renderHosts, renderResolvConf } from './dns-files';
export { parsePortKey, planPortRequests, toPortMap } from './ports';

export interface NetworkServiceOptions {
  dataRoot: string;
  execRoot: string;
  logger: Logger;
  events: EventBus;
  /** the default `bridge` network, fixed at its first creation */
  defaultBridge?: { subnet?: string; interfaceName?: string };
  /** netavark binary paths (default /usr/lib/podman/...) */
  netavarkBinary?: string;
  aardvarkBinary?: string;
  /** the --userns-remap user namespace file: it owns every netns made (see netns.ts) */
  usernsFile?: string;
  /** a rootless daemon: user-defined networks live in its rootless netns (rootless-netns.ts); the
   * default bridge is engine/pasta-networking.ts's */
  rootless?: boolean;
}

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
/** How long after a container takes the spare netns the next one is made: later than its own start. */
const SPARE_DELAY_MS = 150;
const POOL_OVERLAP = 'Pool overlaps with other one on this address space';

/** Comment on a container's raw-table guards; names the network so a sweep after a crash finds them. */
function guardTag(n: NetworkRecord, sb: SandboxRecord): string {
  return `berth ${n.id.slice(0, 12)} ${sb.containerId.slice(0, 12)}`;
}

/** The hash netavark names a network's nat chains with (NETAVARK-<hash>), read off its POSTROUTING jump. */
async function natChainOf(subnet: string): Promise<string | undefined> {
  const r = await runUnchecked(['iptables', '-t', 'nat', '-S', 'POSTROUTING'], { timeoutMs: 10_000 });
  const m = r.stdout.split('\n').map((l) => /^-A POSTROUTING -s (\S+) -j NETAVARK-([0-9A-F]+)$/.exec(l)).find((x) => x?.[1] === subnet);
  return m?.[2];
}

export async function createNetworkService(opts: NetworkServiceOptions): Promise<NetworkService> {
  const svc = new NetworkServiceImpl(opts);
  await svc.boot();
  return svc;
}

class NetworkServiceImpl implements NetworkService {
  private readonly store: NetworkStore;
  private readonly netavark: Netavark;
  private readonly log: Logger;
  private readonly lock = new KeyedMutex();
  private ephemeral: [number, number] = [49153, 65535];
  /** An empty netns (lo up) made ahead of the next container, so no `unshare` sits on its start path. */
  private spare: Promise<string | undefined> | undefined;
  private spareTimer: NodeJS.Timeout | undefined;
  private closing = false;
  /** Containers whose sandbox release() queued for teardown: hidden from inspect, holding their addresses until done. */
  private readonly leaving = new Set<string>();
  /** a rootless daemon's: where netavark runs, and published ports come in */
  private readonly rootlessNs: RootlessNetns | undefined;

  constructor(private readonly opts: NetworkServiceOptions) {
    this.store = new NetworkStore(opts.dataRoot);
    this.log = opts.logger.child({ module: 'network' });
    const configDir = path.join(opts.execRoot, 'networks-aardvark');
    this.rootlessNs = opts.rootless ? new RootlessNetns(opts.execRoot, path.join(configDir, 'aardvark-dns', 'aardvark.pid'), this.log) : undefined;
    this.netavark = new Netavark({
      configDir,
      binary: opts.netavarkBinary,
      aardvarkBinary: opts.aardvarkBinary,
      // the rootless netns's firewall is this daemon's alone: no host-wide turns to take
      ...(this.rootlessNs ? { enter: this.rootlessNs.enter(), lockFile: path.join(opts.execRoot, 'netavark.lock') } : {}),
    });
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    return this.lock.run('network', fn);
  }

  async boot(): Promise<void> {
    await this.store.load();
    this.ephemeral = await ephemeralPortRange();
    await this.ensurePredefined();
  }

  private async ensurePredefined(): Promise<void> {
    const now = new Date().toISOString();
    const base = { gateway: '', ipRange: '', userSubnet: false, internal: false, attachable: false, labels: {}, options: {}, created: now, interfaceName: '', dnsEnabled: false, predefined: true };
    if (!this.store.byName('none')) await this.store.putNetwork({ ...base, id: newId(), name: 'none', driver: 'null', subnet: '' });
    if (!this.store.byName('host')) await this.store.putNetwork({ ...base, id: newId(), name: 'host', driver: 'host', subnet: '' });
    if (!this.store.byName('bridge')) {
      const wanted = this.opts.defaultBridge?.subnet;
      let subnet: Subnet;
      if (wanted) subnet = parseSubnet(wanted);
      else {
        const routes = await this.hostRoutes();
        const preferred = parseSubnet('10.88.0.0/16');
        subnet = routes.some((r) => overlaps(r, preferred)) ? chooseSubnet([...routes, ...this.takenSubnets()]) ?? preferred : preferred;
      }
      await this.store.putNetwork({
        ...base,
        id: newId(),
        name: 'bridge',
        driver: 'bridge',
        subnet: formatSubnet(subnet),
        gateway: defaultGateway(subnet),
        interfaceName: this.opts.defaultBridge?.interfaceName ?? 'berth0',
        options: { 'com.docker.network.bridge.default_bridge': 'true', 'com.docker.network.bridge.enable_icc': 'true', 'com.docker.network.bridge.enable_ip_masquerade': 'true', 'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0', 'com.docker.network.bridge.name': this.opts.defaultBridge?.interfaceName ?? 'berth0', 'com.docker.network.driver.mtu': '1500' },
      });
    }
  }

  private async hostRoutes(): Promise<Subnet[]> {
    try {
      const ours = new Set(this.store.allNetworks().map((n) => n.interfaceName).filter(Boolean));
      const text = await fs.readFile('/proc/net/route', 'utf8');
      // routes of our own bridges are covered by the network records themselves
      const lines = text.split('\n').filter((l, i) => i === 0 || !ours.has(l.split(/\s+/)[0] ?? ''));
      return parseProcNetRoute(lines.join('\n'));
    } catch {
      return []; // no procfs: only our own records can be checked
    }
  }

  private takenSubnets(): Subnet[] {
    return this.store.allNetworks().filter((n) => n.subnet).map((n) => parseSubnet(n.subnet));
  }

  private resolveNetwork(ref: string): NetworkRecord {
    return this.store.resolve(ref === 'default' ? 'bridge' : ref);
  }

  // ---- /networks API ----

  create(o: NetworkCreateOptions): Promise<NetworkCreateResult> {
    return this.serial(async () => {
      if (!NAME_RE.test(o.name)) throw new InvalidArgumentError(`invalid network name "${o.name}", only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`, 'INVALID_NETWORK_NAME');
      const driver = o.driver || 'bridge';
      if (driver !== 'bridge') throw new NotFoundError('plugin', driver, `plugin "${driver}" not found`);
      if (this.store.byName(o.name)) throw new ConflictError(`network with name ${o.name} already exists`, 'NETWORK_EXISTS');
      const taken = [...this.takenSubnets(), ...(await this.hostRoutes())];
      // the rootless netns routes pasta's subnet itself
      if (this.rootlessNs) taken.push(parseSubnet(`${PASTA_GATEWAY.replace(/\.\d+$/, '.0')}/${PASTA_PREFIX}`));
      let subnet: Subnet;
      if (o.subnet) {
        subnet = parseSubnet(o.subnet);
        if (taken.some((t) => overlaps(t, subnet))) throw new ForbiddenError(POOL_OVERLAP, 'POOL_OVERLAP');
      } else {
        if (o.gateway || o.ipRange) throw new InvalidArgumentError('no matching subnet for gateway or range without a subnet', 'INVALID_IPAM');
        const s = chooseSubnet(taken);
        if (!s) throw new ForbiddenError('could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network', 'NO_POOL');
        subnet = s;
      }
      if (o.gateway && (!isIPv4(o.gateway) || !contains(subnet, o.gateway))) throw new InvalidArgumentError(`no matching subnet for gateway ${o.gateway}`, 'INVALID_IPAM');
      let ipRange = '';
      if (o.ipRange) {
        const r = parseSubnet(o.ipRange);
        if (!(overlaps(r, subnet) && r.prefix >= subnet.prefix)) throw new InvalidArgumentError(`no matching subnet for range ${o.ipRange}`, 'INVALID_IPAM');
        ipRange = formatSubnet(r);
      }
      const mtu = o.options?.['com.docker.network.driver.mtu'];
      if (mtu !== undefined && !(/^\d+$/.test(mtu) && Number(mtu) >= 68 && Number(mtu) <= 65535)) {
        throw new InvalidArgumentError(`invalid MTU number: ${mtu}`, 'INVALID_MTU');
      }
      const id = newId();
      const rec: NetworkRecord = {
        id,
        name: o.name,
        driver: 'bridge',
        subnet: formatSubnet(subnet),
        gateway: o.gateway || defaultGateway(subnet),
        ipRange,
        userSubnet: Boolean(o.subnet),
        internal: o.internal ?? false,
        attachable: o.attachable ?? false,
        labels: o.labels ?? {},
        options: o.options ?? {},
        created: new Date().toISOString(),
        interfaceName: o.options?.['com.docker.network.bridge.name'] || `br-${id.slice(0, 12)}`,
        dnsEnabled: true,
        predefined: false,
      };
      await this.store.putNetwork(rec);
      this.opts.events.publish({ type: 'network', action: 'create', id, attributes: { name: rec.name, type: 'bridge' } });
      return { id, warnings: [] };
    });
  }

  private info(n: NetworkRecord): NetworkInfo {
    return {
      network: n,
      endpoints: this.store.endpointsOf(n.id).filter(({ sandbox }) => !this.leaving.has(sandbox.containerId)).map(({ sandbox }) => ({ ...sandbox.endpoints[n.id]!, containerId: sandbox.containerId, containerName: sandbox.containerName })),
    };
  }

  async list(): Promise<NetworkInfo[]> {
    return this.store.allNetworks().map((n) => this.info(n));
  }

  async inspect(ref: string): Promise<NetworkInfo> {
    return this.info(this.resolveNetwork(ref));
  }

  remove(ref: string): Promise<void> {
    return this.serial(async () => this.removeLocked(this.resolveNetwork(ref)));
  }

  private async removeLocked(n: NetworkRecord): Promise<void> {
    if (n.predefined) throw new ForbiddenError(`${n.name} is a pre-defined network and cannot be removed`, 'NETWORK_PREDEFINED');
    if (this.store.endpointsOf(n.id).length > 0) throw new ForbiddenError(`error while removing network: network ${n.name} id ${n.id} has active endpoints`, 'NETWORK_IN_USE');
    await this.releaseBridge(n);
    await this.store.deleteNetwork(n.id);
    // the last user-defined network of a rootless daemon takes the rootless netns (and its pasta) along
    if (this.rootlessNs && !this.store.allNetworks().some((x) => !x.predefined)) await this.rootlessNs.close();
    this.opts.events.publish({ type: 'network', action: 'destroy', id: n.id, attributes: { name: n.name, type: n.driver } });
  }

  prune(filter: (n: NetworkRecord) => boolean = () => true): Promise<string[]> {
    return this.serial(async () => {
      const removed: string[] = [];
      for (const n of this.store.allNetworks()) {
        if (n.predefined || !filter(n) || this.store.endpointsOf(n.id).length > 0) continue;
        await this.removeLocked(n);
        removed.push(n.name);
      }
      this.opts.events.publish({ type: 'network', action: 'prune', id: '', attributes: { reclaimed: '0' } });
      return removed;
    });
  }

  connect(ref: string, c: { containerId: string; containerName: string } & EndpointRequest): Promise<EndpointRecord | null> {
    return this.serial(async () => {
      const n = this.resolveNetwork(ref);
      if (n.driver !== 'bridge') throw new ForbiddenError('container cannot be disconnected from host network or connected to host network', 'NETWORK_NOT_CONNECTABLE');
      // a rootless daemon's default bridge is a pasta per container, outside the rootless netns
      if (this.rootlessNs && n.name === 'bridge') throw new ForbiddenError(ROOTLESS_BRIDGE_MIX, 'ROOTLESS_NETWORK');
      const sb = this.store.sandbox(c.containerId);
      if (!sb) {
        if (this.rootlessNs) throw new ForbiddenError(ROOTLESS_BRIDGE_MIX, 'ROOTLESS_NETWORK'); // running on the default bridge
        return null;
      }
      if (sb.endpoints[n.id]) throw new ForbiddenError(`endpoint with name ${c.containerName.replace(/^\//, '')} already exists in network ${n.name}`, 'ENDPOINT_EXISTS');
      const used = new Set(Object.values(sb.endpoints).map((e) => e.interfaceName));
      let i = 0;
      while (used.has(`eth${i}`)) i++;
      const ep = this.allocateEndpoint(n, c.containerId, c, `eth${i}`);
      sb.endpoints[n.id] = ep;
      await this.store.putSandbox(sb);
      try {
        await this.setupEndpoint(sb, n, ep);
      } catch (e) {
        delete sb.endpoints[n.id];
        await this.store.putSandbox(sb);
        throw e;
      }
      await this.store.putSandbox(sb);
      this.opts.events.publish({ type: 'network', action: 'connect', id: n.id, attributes: { container: c.containerId, name: n.name, type: n.driver } });
      return ep;
    });
  }

  disconnect(ref: string, containerId: string, force = false): Promise<void> {
    return this.serial(async () => {
      const n = this.resolveNetwork(ref);
      const sb = this.store.sandbox(containerId);
      if (!sb) return; // not running: the caller drops it from the container's config
      const ep = sb.endpoints[n.id];
      if (!ep) {
        if (force) return;
        throw new ForbiddenError(`container ${containerId} is not connected to network ${n.name}`, 'NOT_CONNECTED');
      }
      await this.teardownEndpoint(sb, n, ep, force);
      delete sb.endpoints[n.id];
      await this.store.putSandbox(sb);
      this.opts.events.publish({ type: 'network', action: 'disconnect', id: n.id, attributes: { container: containerId, name: n.name, type: n.driver } });
    });
  }

  // ---- container lifecycle ----

  async prepareSandbox(): Promise<string> {
    const spare = this.spare;
    this.spare = undefined;
    const file = (await spare) ?? (await createNetns(this.opts.execRoot, newNetnsName(), this.opts.usernsFile));
    this.scheduleSpare();
    return file;
  }

  private scheduleSpare(): void {
    if (this.spare || this.spareTimer || this.closing) return;
    this.spareTimer = setTimeout(() => {
      this.spareTimer = undefined;
      if (this.spare || this.closing) return;
      this.spare = createNetns(this.opts.execRoot, newNetnsName(), this.opts.usernsFile).catch((e: unknown) => {
        this.log.warn({ err: errorMessage(e) }, 'making a spare netns failed');
        return undefined;
      });
    }, SPARE_DELAY_MS);
    this.spareTimer.unref();
  }

  async releaseSandbox(netnsPath: string): Promise<void> {
    await removeNetns(netnsPath);
  }

  private allocateEndpoint(n: NetworkRecord, containerId: string, req: EndpointRequest, interfaceName: string): EndpointRecord {
    const subnet = parseSubnet(n.subnet);
    const used = this.store.usedAddresses(n.id);
    let ip: string | undefined;
    if (req.ipv4Address) {
      if (!n.userSubnet) throw new ForbiddenError('user specified IP address is supported only when connecting to networks with user configured subnets', 'STATIC_IP_UNSUPPORTED');
      if (!isIPv4(req.ipv4Address) || !isAssignable(subnet, n.gateway, req.ipv4Address)) throw new InvalidArgumentError(`no available IPv4 addresses on this network's address pools: ${n.name} (${n.id}): invalid address ${req.ipv4Address}`, 'INVALID_ADDRESS');
      if (used.includes(req.ipv4Address)) throw new ConflictError('Address already in use', 'ADDRESS_IN_USE');
      ip = req.ipv4Address;
    } else {
      ip = allocateAddress(subnet, n.gateway, used, n.ipRange ? parseSubnet(n.ipRange) : undefined);
      if (!ip) throw new UnavailableError(`no available IPv4 addresses on this network's address pools: ${n.name} (${n.id})`, 'NO_ADDRESS');
    }
    // Docker lets other containers on user networks reach this one by its short id too
    const aliases = n.dnsEnabled ? [...new Set([...req.aliases, containerId.slice(0, 12)])] : [];
    return {
      networkId: n.id,
      networkName: n.name,
      endpointId: newId(),
      ipAddress: ip,
      ipPrefixLen: subnet.prefix,
      gateway: n.gateway,
      macAddress: req.macAddress ?? macForAddress(ip),
      aliases,
      interfaceName,
      active: false,
      ports: [],
      ...(req.macAddress ? { staticMac: true } : {}),
    };
  }

  private netavarkConfig(sb: SandboxRecord, n: NetworkRecord, ep: EndpointRecord): NetavarkConfig {
    const cfg: NetavarkConfig = {
      container_id: sb.containerId,
      container_name: sb.containerName.replace(/^\//, ''),
      networks: { [n.name]: { static_ips: [ep.ipAddress], aliases: ep.aliases, interface_name: ep.interfaceName, ...(ep.staticMac ? { static_mac: ep.macAddress } : {}) } },
      network_info: { [n.name]: toNetavarkNetwork(n) },
    };
    if (this.rootlessNs) {
      // ports come through the forwarder; aardvark-dns asks the host's resolver through pasta
      cfg.dns_servers = [PASTA_DNS];
    } else if (ep.ports.length > 0) cfg.port_mappings = toNetavarkPortMappings(ep.ports);
    return cfg;
  }

  private async setupEndpoint(sb: SandboxRecord, n: NetworkRecord, ep: EndpointRecord): Promise<void> {
    if (this.rootlessNs) return this.setupRootlessEndpoint(this.rootlessNs, sb, n, ep);
    // the guards go first, so a loopback-only port is never open to other interfaces, not even briefly
    const guards = guardRules(ep.ports, guardTag(n, sb));
    await addGuards(guards);
    const status = await this.netavark.setup(sb.netnsPath, this.netavarkConfig(sb, n, ep)).catch(async (e: unknown) => {
      await removeGuards(guards);
      throw e;
    });
    const iface = status[n.name]?.interfaces[ep.interfaceName];
    if (iface?.mac_address) ep.macAddress = iface.mac_address;
    ep.active = true;
    // keeps the bridge (made by this setup if it was the first) when this endpoint leaves
    await ensureAnchor(n.interfaceName, n.id).catch((e: unknown) => this.log.warn({ err: errorMessage(e), network: n.name }, 'bridge anchor failed'));
  }

  /** No guards and no anchors: the rootless netns is the daemon's own, and goes with it. */
  private async setupRootlessEndpoint(ns: RootlessNetns, sb: SandboxRecord, n: NetworkRecord, ep: EndpointRecord): Promise<void> {
    await ns.ensure();
    const status = await this.netavark.setup(sb.netnsPath, this.netavarkConfig(sb, n, ep));
    const iface = status[n.name]?.interfaces[ep.interfaceName];
    if (iface?.mac_address) ep.macAddress = iface.mac_address;
    if (ep.ports.length > 0) {
      await ns.forward(forwardKey(sb, n), ep.ports, ep.ipAddress).catch(async (e: unknown) => {
        await this.netavark.teardown(sb.netnsPath, this.netavarkConfig(sb, n, ep)).catch(() => undefined);
        throw e;
      });
    }
    ep.active = true;
  }

  /**
   * Undoes what the network's endpoints left on the host: the anchor, then the bridge and its
   * firewall chains. netavark removes those only when an endpoint leaves an otherwise empty bridge,
   * so a short-lived endpoint in a throwaway netns has it do that. Tolerant: what fails is logged.
   */
  private async releaseBridge(n: NetworkRecord): Promise<void> {
    // a rootless netns's bridges go with their last endpoint (no anchors there), or with the netns
    if (n.driver !== 'bridge' || !n.interfaceName || this.rootlessNs) return;
    await removeAnchor(n.id);
    if (!(await linkExists(n.interfaceName))) return;
    const name = `release-${n.id.slice(0, 12)}`;
    const ip = allocateAddress(parseSubnet(n.subnet), n.gateway, this.store.usedAddresses(n.id));
    if (!ip) return;
    let netns: string | undefined;
    const chain = await natChainOf(n.subnet);
    try {
      netns = await createNetns(this.opts.execRoot, name);
      const sb: SandboxRecord = { containerId: name, containerName: name, hostname: name, netnsPath: netns, endpoints: {}, portMap: {} };
      const ep: EndpointRecord = { networkId: n.id, networkName: n.name, endpointId: name, ipAddress: ip, ipPrefixLen: parseSubnet(n.subnet).prefix, gateway: n.gateway, macAddress: '', aliases: [], interfaceName: 'eth0', active: true, ports: [] };
      await this.netavark.setup(netns, this.netavarkConfig(sb, n, ep));
      await this.netavark.teardown(netns, this.netavarkConfig(sb, n, ep));
    } catch (e) {
      this.log.warn({ err: errorMessage(e), network: n.name }, 'releasing the bridge failed');
    } finally {
      if (netns) await removeNetns(netns).catch(() => undefined);
    }
    // netavark 1.4 drops a network's port-forward chain only when the endpoint that empties the
    // bridge has published ports itself, so it outlives most networks; it is empty by now.
    if (chain) await runUnchecked(['iptables', '-t', 'nat', '-X', `NETAVARK-DN-${chain}`], { timeoutMs: 10_000 });
  }

  private async teardownEndpoint(sb: SandboxRecord, n: NetworkRecord, ep: EndpointRecord, tolerant: boolean): Promise<void> {
    if (!ep.active) return;
    if (this.rootlessNs && !(await this.rootlessNs.exists())) {
      ep.active = false; // its namespace went with a former user namespace, and all it held with it
      return;
    }
    if (this.rootlessNs && ep.ports.length > 0) {
      await this.rootlessNs.unforward(forwardKey(sb, n)).catch((e: unknown) => this.log.warn({ err: errorMessage(e), container: sb.containerId }, 'removing port forwards failed'));
    }
    try {
      await this.netavark.teardown(sb.netnsPath, this.netavarkConfig(sb, n, ep));
    } catch (e) {
      if (!tolerant) throw e;
      // the addresses must be released even when the netns is already gone
      this.log.warn({ err: errorMessage(e), container: sb.containerId, network: n.name }, 'netavark teardown failed');
    }
    if (!this.rootlessNs) await removeGuards(guardRules(ep.ports, guardTag(n, sb)));
    ep.active = false;
  }

  attach(o: AttachOptions): Promise<AttachResult> {
    return this.serial(async () => {
      const stale = this.store.sandbox(o.containerId);
      if (stale) await this.detachLocked(stale);
      const wanted = Object.keys(o.networks).length ? o.networks : { bridge: { aliases: [] } };
      const sb: SandboxRecord = { containerId: o.containerId, containerName: o.containerName, hostname: o.hostname, netnsPath: o.netnsPath, endpoints: {}, portMap: {} };
      const order: NetworkRecord[] = [];
      let i = 0;
      for (const [ref, req] of Object.entries(wanted)) {
        const n = this.resolveNetwork(ref);
        if (n.driver !== 'bridge' || sb.endpoints[n.id]) continue; // host/none have nothing to set up
        // IPs are reserved as they are handed out, so two networks never clash within this loop
        sb.endpoints[n.id] = this.allocateEndpoint(n, o.containerId, req, `eth${i++}`);
        await this.store.putSandbox(sb);
        order.push(n);
      }
      const requests = planPortRequests(o.portBindings, o.exposedPorts, o.publishAll);
      const first = order[0] ? sb.endpoints[order[0].id] : undefined;
      try {
        if (first && requests.length) {
          first.ports = await choosePorts(requests, {
            ephemeral: this.ephemeral,
            isAllocated: (ip, port, proto) => this.isPortAllocated(o.containerId, ip, port, proto),
            isFree: canBindPort,
          }, `${o.containerName.replace(/^\//, '')} (${first.endpointId})`, Math.random, first.ipAddress);
        }
        sb.portMap = toPortMap(first?.ports ?? [], o.exposedPorts, o.portBindings);
        await this.store.putSandbox(sb);
      } catch (e) {
        await this.detachLocked(sb);
        throw e;
      }
      const result: AttachResult = { networks: {}, ports: sb.portMap };
      for (const n of order) result.networks[n.name] = sb.endpoints[n.id]!;
      return result;
    });
  }

  activate(containerId: string): Promise<Record<string, EndpointRecord>> {
    return this.serial(async () => {
      const sb = this.store.sandbox(containerId);
      if (!sb) throw new NotFoundError('sandbox', containerId, `container ${containerId} has no network sandbox`);
      const out: Record<string, EndpointRecord> = {};
      try {
        for (const ep of Object.values(sb.endpoints)) {
          const n = this.store.allNetworks().find((x) => x.id === ep.networkId);
          if (!n) throw new NotFoundError('network', ep.networkName, `network ${ep.networkName} not found`);
          if (!ep.active) await this.setupEndpoint(sb, n, ep);
          out[n.name] = ep;
        }
        await this.store.putSandbox(sb);
      } catch (e) {
        await this.detachLocked(sb);
        throw e;
      }
      for (const ep of Object.values(out)) {
        this.opts.events.publish({ type: 'network', action: 'connect', id: ep.networkId, attributes: { container: containerId, name: ep.networkName, type: 'bridge' } });
      }
      return out;
    });
  }

  private isPortAllocated(self: string, hostIp: string, port: number, proto: PortProtocol): boolean {
    return this.store.allSandboxes().some((s) => s.containerId !== self && Object.values(s.endpoints).some((e) =>
      e.ports.some((p) => p.hostPort === port && p.protocol === proto && (p.hostIp === hostIp || p.hostIp === '' || hostIp === ''))));
  }

  /**
   * detach() and releaseSandbox() without waiting: netavark's teardown (~20 ms) would otherwise sit
   * between a container's exit and its removal being reported. The disconnect events go out now, so
   * they still come before the container's destroy. The addresses and ports stay taken until the
   * teardown has run, and every later network operation queues behind it; close() waits for it, and
   * a daemon killed meanwhile has recover() finish it at the next start.
   */
  release(containerId: string): void {
    const sb = this.store.sandbox(containerId);
    if (!sb || this.leaving.has(containerId)) return;
    this.leaving.add(containerId);
    this.publishDisconnects(sb);
    this.serial(async () => {
      try {
        if (this.store.sandbox(containerId) === sb) await this.detachLocked(sb, false);
        await removeNetns(sb.netnsPath);
      } finally {
        this.leaving.delete(containerId);
      }
    }).catch((e: unknown) => this.log.warn({ err: errorMessage(e), container: containerId }, 'network release failed'));
  }

  private publishDisconnects(sb: SandboxRecord): void {
    for (const ep of Object.values(sb.endpoints).reverse()) {
      this.opts.events.publish({ type: 'network', action: 'disconnect', id: ep.networkId, attributes: { container: sb.containerId, name: ep.networkName, type: 'bridge' } });
    }
  }

  detach(containerId: string): Promise<void> {
    return this.serial(async () => {
      const sb = this.store.sandbox(containerId);
      if (sb) await this.detachLocked(sb);
    });
  }

  /** Tears down every endpoint, tolerating failures, and releases the addresses and ports. */
  private async detachLocked(sb: SandboxRecord, events = true): Promise<void> {
    for (const ep of Object.values(sb.endpoints).reverse()) {
      const n = this.store.allNetworks().find((x) => x.id === ep.networkId);
      if (n) await this.teardownEndpoint(sb, n, ep, true);
    }
    if (events) this.publishDisconnects(sb);
    await this.store.deleteSandbox(sb.containerId);
  }

  /** `keep`: namespaces of running containers that other code made (a rootless daemon's pasta ones) */
  recover(live: Set<string>, keep: Set<string> = new Set()): Promise<void> {
    return this.serial(async () => {
      for (const sb of this.store.allSandboxes()) {
        if (live.has(sb.containerId)) continue;
        this.log.info({ container: sb.containerId }, 'releasing network of a container that is gone');
        await this.detachLocked(sb);
        await removeNetns(sb.netnsPath).catch((e: unknown) => this.log.warn({ err: errorMessage(e) }, 'netns removal failed'));
      }
      // namespaces no live sandbox uses: a spare, or one whose container never got attached
      const dir = netnsDir(this.opts.execRoot);
      const inUse = new Set(this.store.allSandboxes().map((sb) => sb.netnsPath));
      const files = await fs.readdir(dir).catch(() => [] as string[]);
      for (const f of files) {
        const file = path.join(dir, f);
        if (!live.has(f) && !inUse.has(file) && !keep.has(file)) await removeNetns(file).catch(() => {});
      }
      if (this.rootlessNs) await this.recoverRootless(this.rootlessNs);
    });
  }

  /**
   * A rootless daemon restarted in its namespaces (daemon/rootless-launch.ts) finds its rootless
   * netns with the bridges of the containers that still run; their ports went with the old
   * daemon's forwarder and are bound again. With no endpoint left, the netns goes.
   */
  private async recoverRootless(ns: RootlessNetns): Promise<void> {
    const active = this.store.allSandboxes().filter((sb) => Object.values(sb.endpoints).some((ep) => ep.active));
    if (active.length === 0) {
      if (await ns.exists()) await ns.close();
      return;
    }
    await ns.ensure();
    for (const sb of active) {
      for (const ep of Object.values(sb.endpoints)) {
        const n = this.store.allNetworks().find((x) => x.id === ep.networkId);
        if (!n || !ep.active || ep.ports.length === 0) continue;
        await ns.forward(forwardKey(sb, n), ep.ports, ep.ipAddress).catch((e: unknown) => this.log.warn({ err: errorMessage(e), container: sb.containerId }, 'publishing ports again failed'));
      }
    }
  }

  sandbox(containerId: string): SandboxRecord | undefined {
    return this.store.sandbox(containerId);
  }

  resolvConf(containerId: string, o: DnsFilesOptions): string {
    const sb = this.store.sandbox(containerId);
    const aardvark = sb
      ? Object.values(sb.endpoints).filter((e) => this.store.allNetworks().find((n) => n.id === e.networkId)?.dnsEnabled).map((e) => e.gateway)
      : [];
    return renderResolvConf({ hostResolvConf: o.hostResolvConf, aardvarkServers: [...new Set(aardvark)], dns: o.dns, dnsSearch: o.dnsSearch, dnsOptions: o.dnsOptions });
  }

  hostsFile(containerId: string, extraHosts: string[] = [], domainname?: string): string {
    const sb = this.store.sandbox(containerId);
    return renderHosts({ hostname: sb?.hostname ?? containerId.slice(0, 12), addresses: sb ? Object.values(sb.endpoints).map((e) => e.ipAddress) : [], extraHosts, ...(domainname ? { domainname } : {}) });
  }

  /** Releases the bridges of networks no container uses, so a stopped daemon leaves no plumbing behind
   * (a later container makes them again); bridges with running containers stay with them. */
  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.spareTimer);
    // queued behind every release() still in flight
    await this.serial(async () => {
      for (const n of this.store.allNetworks()) if (this.store.endpointsOf(n.id).length === 0) await this.releaseBridge(n);
    });
    const spare = await this.spare;
    this.spare = undefined;
    if (spare) await removeNetns(spare).catch(() => undefined);
    if (this.rootlessNs && this.store.allSandboxes().length === 0) await this.rootlessNs.close();
  }
}

/** The forwarder's name for an endpoint's published ports. */
function forwardKey(sb: SandboxRecord, n: NetworkRecord): string {
  return `${sb.containerId}/${n.id}`;
}

/**
 * The default `bridge` network of a rootless daemon: a netns per container, connected by its own
 * pasta (network/pasta.ts), with the published ports bound by pasta on the host. User-defined
 * networks are the rootless netns's (engine/rootless-networking.ts picks one or the other).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError } from '../base/errors';
import type { NetworkJoin } from '../container/context';
import type { ContainerRecord } from '../container/types';
import { renderHosts } from '../network/dns-files';
import { canBindPort, ephemeralPortRange } from '../network/host-ports';
import { PASTA_ADDRESS, PASTA_DNS, PASTA_GATEWAY, PASTA_PREFIX, ROOTLESS_BRIDGE_MIX, startPasta, stopPasta } from '../network/pasta';
import { choosePorts, planPortRequests, toPortMap, type PublishedPort } from '../network/ports';
import type { NetworkService } from '../network/types';
import { hostResolvConf, withHostGateway, type BridgeNetworking } from './networking';
import { requestedNetworks } from './bridge-networking';

/** What teardown needs, kept in the exec root so a restarted daemon can release it too. */
interface PastaState {
  netns: string;
  pidFile: string;
  ports?: PublishedPort[];
}

export class PastaNetworking implements BridgeNetworking {
  private readonly dir: string;
  /** host ports held by this daemon's containers */
  private readonly held = new Map<string, PublishedPort[]>();

  constructor(
    execRoot: string,
    private readonly networks: NetworkService,
  ) {
    this.dir = path.join(execRoot, 'pasta');
  }

  async validate(rec: ContainerRecord): Promise<void> {
    if (Object.keys(requestedNetworks(rec)).some((n) => n !== 'bridge')) throw new InvalidArgumentError(ROOTLESS_BRIDGE_MIX, 'ROOTLESS_NETWORK');
    planPortRequests(rec.spec.host.portBindings, rec.spec.exposedPorts, rec.spec.host.publishAllPorts);
  }

  async setup(rec: ContainerRecord): Promise<NetworkJoin> {
    await this.validate(rec);
    const bridge = (await this.networks.inspect('bridge')).network;
    const h = rec.spec.host;
    const allHeld = [...this.held.values()].flat();
    const ports = await choosePorts(planPortRequests(h.portBindings, rec.spec.exposedPorts, h.publishAllPorts), {
      ephemeral: await ephemeralPortRange(),
      isAllocated: (ip, port, proto) => allHeld.some((p) => p.hostPort === port && p.protocol === proto && (p.hostIp === ip || !p.hostIp || !ip)),
      isFree: canBindPort,
    }, `${rec.name.replace(/^\//, '')} (${rec.id.slice(0, 12)})`);
    const netns = await this.networks.prepareSandbox();
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const state: PastaState = { netns, pidFile: path.join(this.dir, `${rec.id}.pid`), ports };
    await fs.writeFile(this.stateFile(rec.id), JSON.stringify(state));
    this.held.set(rec.id, ports);
    // pasta runs while the runtime creates the container; start waits for it
    const ready = startPasta(netns, state.pidFile, ports);
    ready.catch(() => undefined); // awaited by start; this only keeps an early failure from being "unhandled"
    rec.networks = {
      bridge: { ipAddress: PASTA_ADDRESS, ipPrefixLen: PASTA_PREFIX, gateway: PASTA_GATEWAY, macAddress: '', aliases: [], networkId: bridge.id, endpointId: '' },
    };
    rec.ports = toPortMap(ports, rec.spec.exposedPorts, h.portBindings);
    return {
      ready,
      netns,
      hosts: renderHosts({ hostname: rec.hostname, addresses: [PASTA_ADDRESS], extraHosts: withHostGateway(h.extraHosts, PASTA_GATEWAY) }),
      resolvConf: pastaResolvConf(await hostResolvConf(true, h)),
    };
  }

  async teardown(rec: ContainerRecord): Promise<void> {
    this.held.delete(rec.id);
    const file = this.stateFile(rec.id);
    const state = JSON.parse(await fs.readFile(file, 'utf8').catch(() => 'null')) as PastaState | null;
    if (state) {
      await stopPasta(state.pidFile);
      await this.networks.releaseSandbox(state.netns);
      await fs.rm(file, { force: true });
    }
    rec.networks = Object.fromEntries(Object.entries(rec.networks).map(([k, n]) => [k, { ...n, ipAddress: '', ipPrefixLen: 0, gateway: '', macAddress: '' }]));
    rec.ports = {};
  }

  /**
   * After a restart in the same namespaces (a killed daemon's): the containers that still run keep
   * their pasta, netns and ports; what the others left is released. Returns the kept namespaces.
   */
  async recover(live: Set<string>): Promise<Set<string>> {
    const keep = new Set<string>();
    for (const f of await fs.readdir(this.dir).catch(() => [] as string[])) {
      if (!f.endsWith('.json')) continue;
      const id = f.slice(0, -'.json'.length);
      const state = JSON.parse(await fs.readFile(path.join(this.dir, f), 'utf8').catch(() => 'null')) as PastaState | null;
      if (!state) continue;
      if (live.has(id)) {
        keep.add(state.netns);
        this.held.set(id, state.ports ?? []);
      } else {
        await stopPasta(state.pidFile);
        await this.networks.releaseSandbox(state.netns).catch(() => undefined);
        await fs.rm(path.join(this.dir, f), { force: true });
      }
    }
    return keep;
  }

  private stateFile(id: string): string {
    return path.join(this.dir, `${id}.json`);
  }
}

/** A loopback resolver of the host is out of the container's reach: pasta forwards PASTA_DNS to it. */
export function pastaResolvConf(hostConf: string): string {
  let seen = false;
  return hostConf
    .split('\n')
    .flatMap((l) => {
      if (!/^nameserver\s+(127\.|::1\b)/.test(l)) return [l];
      if (seen) return [];
      seen = true;
      return [`nameserver ${PASTA_DNS}`];
    })
    .join('\n');
}

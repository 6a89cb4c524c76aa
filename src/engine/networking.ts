/**
 * The engine's implementation of container/'s ContainerNetworking port:
 * `none`, `host` and `container:<id>` are handled here; bridge networks are
 * delegated to network/ when the engine has one.
 */
import { promises as fs } from 'node:fs';
import { FailedPreconditionError, NotFoundError } from '../base/errors';
import type { ContainerNetworking, NetworkJoin } from '../container/context';
import { extraHostsLines, renderHosts } from '../network/dns-files';
import type { ContainerRecord } from '../container/types';
import type { ContainerStore } from '../state/container-store';

/** The bridge side, implemented by network/ (absent until that module is wired). */
export interface BridgeNetworking {
  validate(rec: ContainerRecord): Promise<void>;
  setup(rec: ContainerRecord): Promise<NetworkJoin>;
  teardown(rec: ContainerRecord): Promise<void>;
}

/** Docker copies the host's resolv.conf, dropping loopback nameservers a container cannot reach. */
export async function hostResolvConf(keepLoopback: boolean, extra: { dns: string[]; dnsSearch: string[]; dnsOptions: string[] }): Promise<string> {
  const host = await fs.readFile('/etc/resolv.conf', 'utf8').catch(() => '');
  const lines = host.split('\n');
  let ns = lines.filter((l) => /^\s*nameserver\s/.test(l)).map((l) => l.trim().split(/\s+/)[1]!);
  if (!keepLoopback) ns = ns.filter((n) => !n.startsWith('127.') && n !== '::1');
  if (extra.dns.length) ns = extra.dns;
  if (ns.length === 0 && !keepLoopback) ns = ['8.8.8.8', '8.8.4.4'];
  let search = lines.filter((l) => /^\s*search\s/.test(l)).flatMap((l) => l.trim().split(/\s+/).slice(1));
  if (extra.dnsSearch.length) search = extra.dnsSearch;
  let options = lines.filter((l) => /^\s*options\s/.test(l)).flatMap((l) => l.trim().split(/\s+/).slice(1));
  if (extra.dnsOptions.length) options = extra.dnsOptions;
  let out = '';
  if (search.length) out += `search ${search.join(' ')}\n`;
  for (const n of ns) out += `nameserver ${n}\n`;
  if (options.length) out += `options ${options.join(' ')}\n`;
  return out;
}

/** Docker's `host-gateway` in --add-host names the host as the container sees it. */
export function withHostGateway(extraHosts: string[], hostGateway: string): string[] {
  return extraHosts.map((e) => (e.endsWith(':host-gateway') ? `${e.slice(0, -'host-gateway'.length)}${hostGateway}` : e));
}

export class EngineNetworking implements ContainerNetworking {
  constructor(
    private readonly store: ContainerStore,
    private readonly bridge: BridgeNetworking | undefined,
  ) {}

  private mode(rec: ContainerRecord): string {
    const m = rec.spec.host.networkMode;
    return m === 'default' || m === '' ? 'bridge' : m;
  }

  async validate(rec: ContainerRecord): Promise<void> {
    const m = this.mode(rec);
    if (m === 'none' || m === 'host') return;
    if (m.startsWith('container:')) {
      this.store.resolve(m.slice('container:'.length));
      return;
    }
    if (!this.bridge) {
      if (m === 'bridge') return; // without a bridge module the default network is an isolated namespace
      throw new NotFoundError('network', m, `network ${m} not found`);
    }
    await this.bridge.validate(rec);
  }

  async setup(rec: ContainerRecord): Promise<NetworkJoin> {
    const m = this.mode(rec);
    const h = rec.spec.host;
    if (m === 'host') {
      const extra = extraHostsLines(withHostGateway(h.extraHosts, '127.0.0.1')).map((l) => `${l}\n`).join('');
      const hosts = (await fs.readFile('/etc/hosts', 'utf8').catch(() => renderHosts({ hostname: rec.hostname, addresses: [] }))) + extra;
      return { netns: 'host', hosts, resolvConf: await hostResolvConf(true, h) };
    }
    if (m.startsWith('container:')) {
      const other = this.store.resolve(m.slice('container:'.length));
      if (other.state.status !== 'running') {
        throw new FailedPreconditionError(`cannot join network of a non running container: ${other.id}`);
      }
      const hosts = await fs.readFile(other.hostsPath, 'utf8').catch(() => renderHosts({ hostname: other.hostname, addresses: [] }));
      const resolvConf = await fs.readFile(other.resolvConfPath, 'utf8').catch(() => '');
      return { netns: `/proc/${other.state.pid}/ns/net`, hosts, resolvConf };
    }
    if (m === 'none' || !this.bridge) {
      const hosts = renderHosts({ hostname: rec.hostname, addresses: [], extraHosts: withHostGateway(h.extraHosts, '127.0.0.1') });
      return { netns: 'private', hosts, resolvConf: await hostResolvConf(false, h) };
    }
    return this.bridge.setup(rec);
  }

  async teardown(rec: ContainerRecord): Promise<void> {
    const m = this.mode(rec);
    if (m === 'none' || m === 'host' || m.startsWith('container:') || !this.bridge) return;
    await this.bridge.teardown(rec);
  }
}

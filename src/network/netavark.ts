/**
 * Adapter for netavark (bridge, veth, firewall, port forwarding) and, through
 * it, aardvark-dns. It builds netavark's JSON, runs `setup`/`teardown` and turns
 * its failures into typed errors; stderr parsing lives only here.
 */
import { promises as fs } from 'node:fs';
import { run } from '../platform/spawn';
import { CommandFailedError } from '../platform/spawn';
import { ConflictError, InternalError } from '../base/errors';
import type { NetavarkPortMapping } from './ports';
import type { NetworkRecord } from './types';

export const NETAVARK_BIN = '/usr/lib/podman/netavark';
export const AARDVARK_BIN = '/usr/lib/podman/aardvark-dns';

/** netavark's per-container options for one network */
export interface NetavarkPerNetwork {
  static_ips: string[];
  aliases: string[];
  interface_name: string;
  /** the MAC the user asked for; netavark picks one otherwise */
  static_mac?: string;
}

export interface NetavarkNetwork {
  name: string;
  id: string;
  driver: string;
  network_interface: string;
  subnets: Array<{ subnet: string; gateway: string }>;
  ipv6_enabled: boolean;
  internal: boolean;
  dns_enabled: boolean;
  ipam_options: { driver: string };
  options?: Record<string, string>;
}

export interface NetavarkConfig {
  container_id: string;
  container_name: string;
  port_mappings?: NetavarkPortMapping[];
  networks: Record<string, NetavarkPerNetwork>;
  network_info: Record<string, NetavarkNetwork>;
  dns_servers?: string[];
}

/** What `setup` prints, per network name. */
export type NetavarkStatus = Record<string, {
  dns_search_domains?: string[];
  dns_server_ips?: string[];
  interfaces: Record<string, { mac_address: string; subnets?: Array<{ ipnet: string; gateway?: string }> }>;
}>;

export interface NetavarkOptions {
  /** aardvark-dns config dir, one per daemon so runs never share it */
  configDir: string;
  binary?: string;
  aardvarkBinary?: string;
  timeoutMs?: number;
  /** argv prefix that runs netavark in another network namespace (a rootless daemon's, rootless-netns.ts) */
  enter?: string[];
  /** the lock netavark runs take turns on; default HOST_LOCK */
  lockFile?: string;
}

export function toNetavarkNetwork(n: NetworkRecord): NetavarkNetwork {
  return {
    name: n.name,
    id: n.id,
    driver: 'bridge',
    network_interface: n.interfaceName,
    subnets: [{ subnet: n.subnet, gateway: n.gateway }],
    ipv6_enabled: false,
    internal: n.internal,
    dns_enabled: n.dnsEnabled,
    ipam_options: { driver: 'host-local' },
    ...netavarkOptions(n.options),
  };
}

/** Docker's driver options that netavark has a counterpart for. */
function netavarkOptions(o: Record<string, string>): { options?: Record<string, string> } {
  const mtu = o['com.docker.network.driver.mtu'];
  return mtu && mtu !== '1500' ? { options: { mtu } } : {};
}

export class Netavark {
  constructor(private readonly opts: NetavarkOptions) {}

  async setup(netnsPath: string, config: NetavarkConfig): Promise<NetavarkStatus> {
    const out = await this.exec('setup', netnsPath, config);
    try {
      return JSON.parse(out) as NetavarkStatus;
    } catch (e) {
      throw new InternalError(`netavark setup printed invalid JSON: ${out.slice(0, 200)}`, 'NETAVARK_FAILED', { cause: e });
    }
  }

  async teardown(netnsPath: string, config: NetavarkConfig): Promise<void> {
    await this.exec('teardown', netnsPath, config);
  }

  private async exec(cmd: 'setup' | 'teardown', netnsPath: string, config: NetavarkConfig): Promise<string> {
    await fs.mkdir(this.opts.configDir, { recursive: true, mode: 0o700 }); // netavark fails without it
    // netavark edits shared firewall chains; two daemons (or test runs) on one host must take turns,
    // or one's teardown removes a chain the other's setup is appending to.
    const argv = [
      'flock', '--close', this.opts.lockFile ?? HOST_LOCK, // --close: aardvark-dns, which netavark leaves running, must not inherit the lock
      ...(this.opts.enter ?? []),
      this.opts.binary ?? NETAVARK_BIN,
      '--config', this.opts.configDir,
      '--aardvark-binary', this.opts.aardvarkBinary ?? AARDVARK_BIN,
      cmd, netnsPath,
    ];
    try {
      const r = await run(argv, { input: JSON.stringify(config), timeoutMs: this.opts.timeoutMs ?? 60_000 });
      return r.stdout;
    } catch (e) {
      throw translateFailure(cmd, e);
    }
  }
}

/** Host-wide: every berth daemon on this machine serializes its netavark runs on this file. */
export const HOST_LOCK = '/run/lock/berth-netavark.lock';

/** netavark reports `{"error":"..."}`; map the message to a domain error kind. */
export function translateFailure(cmd: string, e: unknown): Error {
  if (!(e instanceof CommandFailedError)) return e instanceof Error ? e : new Error(String(e));
  const text = (e.stderr.trim() || e.stdout.trim());
  let message = text;
  try {
    const parsed = JSON.parse(text.split('\n').filter((l) => l.startsWith('{')).pop() ?? '') as { error?: string };
    if (parsed.error) message = parsed.error;
  } catch {
    // not JSON: keep the raw text
  }
  if (/already exists/i.test(message)) return new ConflictError(`netavark ${cmd}: ${message}`, 'NETAVARK_CONFLICT');
  return new InternalError(`netavark ${cmd}: ${message}`, 'NETAVARK_FAILED', { cause: e });
}

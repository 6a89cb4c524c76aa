/** The network module's records and its service contract (core casing, no Docker JSON). */
import type { PortBindingsSpec, PortMap, PublishedPort } from './ports';

export type NetworkDriver = 'bridge' | 'host' | 'null';

export interface NetworkRecord {
  id: string; // 64 hex
  name: string;
  driver: NetworkDriver;
  /** "" for host/none */
  subnet: string;
  gateway: string;
  /** sub-range containers get addresses from; "" = whole subnet */
  ipRange: string;
  /** whether the user gave the subnet (Docker allows static IPs only then) */
  userSubnet: boolean;
  internal: boolean;
  attachable: boolean;
  labels: Record<string, string>;
  options: Record<string, string>;
  created: string; // RFC 3339
  /** bridge device, e.g. berth0 or br-<id12> */
  interfaceName: string;
  /** aardvark-dns name resolution (user-defined bridges only, as in Docker) */
  dnsEnabled: boolean;
  /** bridge/host/none: cannot be removed */
  predefined: boolean;
}

export interface EndpointRecord {
  networkId: string;
  networkName: string;
  endpointId: string;
  ipAddress: string;
  ipPrefixLen: number;
  gateway: string;
  macAddress: string;
  aliases: string[];
  /** eth0, eth1, ... inside the container */
  interfaceName: string;
  /** whether netavark setup has run for this endpoint */
  active: boolean;
  /** host ports given to netavark with this endpoint (the first one only) */
  ports: PublishedPort[];
  /** the user chose macAddress (netavark must use it) */
  staticMac?: boolean;
}

/** Everything the network module holds about one container's sandbox. */
export interface SandboxRecord {
  containerId: string;
  containerName: string;
  hostname: string;
  netnsPath: string;
  endpoints: Record<string, EndpointRecord>; // by network id
  portMap: PortMap;
}

export interface NetworkCreateOptions {
  name: string;
  driver?: string; // "bridge" (default)
  subnet?: string;
  gateway?: string;
  ipRange?: string;
  internal?: boolean;
  attachable?: boolean;
  labels?: Record<string, string>;
  options?: Record<string, string>;
}

export interface NetworkCreateResult {
  id: string;
  warnings: string[];
}

/** A network with the containers attached to it (for inspect/list). */
export interface NetworkInfo {
  network: NetworkRecord;
  endpoints: Array<EndpointRecord & { containerId: string; containerName: string }>;
}

export interface EndpointRequest {
  aliases: string[];
  ipv4Address?: string;
  /** API 1.44 EndpointSettings.MacAddress */
  macAddress?: string;
}

export interface AttachOptions {
  containerId: string;
  containerName: string;
  hostname: string;
  netnsPath: string;
  /** network name/id → request; "default" and "bridge" mean the default bridge */
  networks: Record<string, EndpointRequest>;
  portBindings: PortBindingsSpec;
  exposedPorts: Record<string, object>;
  publishAll: boolean;
}

export interface AttachResult {
  /** by network name */
  networks: Record<string, EndpointRecord>;
  ports: PortMap;
}

export interface DnsFilesOptions {
  /** the host's /etc/resolv.conf content */
  hostResolvConf: string;
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
}

export interface NetworkService {
  create(opts: NetworkCreateOptions): Promise<NetworkCreateResult>;
  list(): Promise<NetworkInfo[]>;
  inspect(ref: string): Promise<NetworkInfo>;
  remove(ref: string): Promise<void>;
  prune(filter?: (n: NetworkRecord) => boolean): Promise<string[]>;
  /** Returns the endpoint when the container has a live sandbox, else null (the caller keeps the request for the next start). */
  connect(ref: string, c: { containerId: string; containerName: string } & EndpointRequest): Promise<EndpointRecord | null>;
  disconnect(ref: string, containerId: string, force?: boolean): Promise<void>;

  /** A new netns for a container's sandbox (its path is unique to this sandbox). */
  prepareSandbox(): Promise<string>;
  /** Reserves addresses and ports and records the sandbox; nothing is plumbed until activate(). */
  attach(opts: AttachOptions): Promise<AttachResult>;
  /** Plumbs every endpoint attach() reserved (netavark); on failure releases them all. */
  activate(containerId: string): Promise<Record<string, EndpointRecord>>;
  detach(containerId: string): Promise<void>;
  releaseSandbox(netnsPath: string): Promise<void>;
  /** detach() and releaseSandbox() queued, not awaited: for a container that has exited. */
  release(containerId: string): void;
  recover(liveContainerIds: Set<string>, keepNetns?: Set<string>): Promise<void>;
  sandbox(containerId: string): SandboxRecord | undefined;
  resolvConf(containerId: string, opts: DnsFilesOptions): string;
  /** with a domainname, the container's own line names it "host.domain host", as dockerd's */
  hostsFile(containerId: string, extraHosts?: string[], domainname?: string): string;
  close(): Promise<void>;
}

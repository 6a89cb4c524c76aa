/**
 * Network wire ⇄ core: NetworkInfo → Docker's Network JSON, create/connect
 * bodies → core options, and the list/prune filters (Docker's semantics:
 * name/id match as regexp, label all-of, type custom|builtin, dangling).
 * Pure; the route file only calls these.
 */
import { InvalidArgumentError } from '../../../base/errors';
import { untilFilter } from '../../../base/until';
import type { EndpointRequest, NetworkCreateOptions, NetworkInfo, NetworkRecord } from '../../../network/types';
import type { Network, NetworkConnectRequest, NetworkCreateRequest, NetworkDisconnectRequest } from '../../../protocol/docker/network';

export function toNetworkWire(info: NetworkInfo): Network {
  const n = info.network;
  const containers: Network['Containers'] = {};
  for (const ep of info.endpoints) {
    containers[ep.containerId] = {
      Name: ep.containerName.replace(/^\//, ''),
      EndpointID: ep.endpointId,
      MacAddress: ep.macAddress,
      IPv4Address: ep.ipAddress ? `${ep.ipAddress}/${ep.ipPrefixLen}` : '',
      IPv6Address: '',
    };
  }
  const config: Network['IPAM']['Config'] = [];
  if (n.subnet) {
    const entry: Network['IPAM']['Config'][number] = { Subnet: n.subnet };
    if (n.ipRange) entry.IPRange = n.ipRange;
    // newer dockerd reports the gateway of `bridge` too; testcontainers reads it
    if (n.gateway) entry.Gateway = n.gateway;
    config.push(entry);
  }
  return {
    Name: n.name,
    Id: n.id,
    Created: n.created,
    Scope: 'local',
    Driver: n.driver,
    EnableIPv6: false,
    // dockerd answers Options null for its predefined networks, {} for user ones
    IPAM: { Driver: 'default', Options: n.predefined ? null : {}, Config: config },
    Internal: n.internal,
    Attachable: n.attachable,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: containers,
    Options: n.options,
    Labels: n.labels,
  };
}

/** POST /networks/create body → core options. Docker's defaults: driver bridge, one IPv4 pool. */
export function translateNetworkCreate(body: NetworkCreateRequest | undefined): NetworkCreateOptions {
  const b = body ?? {};
  const name = b.Name ?? '';
  if (!name) throw new InvalidArgumentError('network name is required', 'INVALID_NETWORK_NAME');
  if (b.ConfigOnly || (b.ConfigFrom && b.ConfigFrom.Network)) throw new InvalidArgumentError('config-only networks are not supported', 'NETWORK_CONFIG_ONLY');
  if (b.Ingress) throw new InvalidArgumentError('ingress networks are a swarm feature and are not supported', 'NETWORK_INGRESS');
  if (b.EnableIPv6) throw new InvalidArgumentError('IPv6 networks are not supported', 'NETWORK_IPV6');
  const ipamDriver = b.IPAM?.Driver;
  if (ipamDriver && ipamDriver !== 'default') throw new InvalidArgumentError(`IPAM driver "${ipamDriver}" is not supported; only "default" is`, 'IPAM_DRIVER');
  const pools = b.IPAM?.Config ?? [];
  if (pools.length > 1) throw new InvalidArgumentError('only one IPAM pool per network is supported', 'IPAM_POOLS');
  const opts: NetworkCreateOptions = { name };
  if (b.Driver) opts.driver = b.Driver;
  const pool = pools[0];
  if (pool) {
    if (pool.Subnet?.includes(':')) throw new InvalidArgumentError('IPv6 networks are not supported', 'NETWORK_IPV6');
    if (pool.AuxiliaryAddresses && Object.keys(pool.AuxiliaryAddresses).length) throw new InvalidArgumentError('auxiliary addresses are not supported', 'IPAM_AUX');
    if (pool.Subnet) opts.subnet = pool.Subnet;
    if (pool.Gateway) opts.gateway = pool.Gateway;
    if (pool.IPRange) opts.ipRange = pool.IPRange;
  }
  if (b.Internal) opts.internal = true;
  if (b.Attachable) opts.attachable = true;
  if (b.Labels) opts.labels = { ...b.Labels };
  if (b.Options) opts.options = { ...b.Options };
  return opts;
}

export function translateNetworkConnect(body: NetworkConnectRequest | undefined): { container: string } & EndpointRequest {
  const container = body?.Container ?? '';
  if (!container) throw new InvalidArgumentError('container is required', 'CONTAINER_REQUIRED');
  const ep = body?.EndpointConfig ?? {};
  const out: { container: string } & EndpointRequest = { container, aliases: [...(ep.Aliases ?? [])] };
  const ip = ep.IPAMConfig?.IPv4Address;
  if (ip) out.ipv4Address = ip;
  if (ep.IPAMConfig?.IPv6Address) throw new InvalidArgumentError('IPv6 addresses are not supported', 'NETWORK_IPV6');
  return out;
}

export function translateNetworkDisconnect(body: NetworkDisconnectRequest | undefined): { container: string; force: boolean } {
  const container = body?.Container ?? '';
  if (!container) throw new InvalidArgumentError('container is required', 'CONTAINER_REQUIRED');
  return { container, force: body?.Force === true };
}

const LIST_FILTERS = ['dangling', 'driver', 'id', 'label', 'name', 'scope', 'type'];

/** Docker's filters.Match: exact, else the value as a regular expression. */
function matchesAny(values: string[], source: string): boolean {
  return values.some((v) => {
    if (v === source) return true;
    try {
      return new RegExp(v).test(source);
    } catch {
      return false; // an invalid pattern matches nothing, as in Go
    }
  });
}

/** `label=k` (key present) and `label=k=v` (value equal); every one given must hold. */
function matchesLabels(wanted: string[], labels: Record<string, string>): boolean {
  return wanted.every((w) => {
    const i = w.indexOf('=');
    if (i < 0) return Object.prototype.hasOwnProperty.call(labels, w);
    return labels[w.slice(0, i)] === w.slice(i + 1);
  });
}

function parseBoolFilter(key: string, v: string): boolean {
  const l = v.toLowerCase();
  if (l === 'true' || l === '1') return true;
  if (l === 'false' || l === '0') return false;
  throw new InvalidArgumentError(`invalid filter '${key}=${v}'`, 'INVALID_FILTER');
}

/** GET /networks filters → a predicate over NetworkInfo; unknown keys and bad values are 400s. */
export function networkListFilter(filters: Record<string, string[]>): (info: NetworkInfo) => boolean {
  for (const k of Object.keys(filters)) if (!LIST_FILTERS.includes(k)) throw new InvalidArgumentError(`invalid filter '${k}'`, 'INVALID_FILTER');
  for (const t of filters['type'] ?? []) {
    if (t !== 'custom' && t !== 'builtin') throw new InvalidArgumentError(`invalid filter: 'type'='${t}'`, 'INVALID_FILTER');
  }
  const dangling = filters['dangling'];
  if (dangling && dangling.length > 1) throw new InvalidArgumentError(`got more than one value for filter key "dangling"`, 'INVALID_FILTER');
  const danglingOnly = dangling?.length ? parseBoolFilter('dangling', dangling[0]!) : undefined;
  return (info) => {
    const n = info.network;
    const f = (k: string): string[] | undefined => (filters[k]?.length ? filters[k] : undefined);
    const name = f('name');
    if (name && !matchesAny(name, n.name)) return false;
    const id = f('id');
    if (id && !matchesAny(id, n.id)) return false;
    const driver = f('driver');
    if (driver && !driver.includes(n.driver)) return false;
    const scope = f('scope');
    if (scope && !scope.includes('local')) return false;
    const label = f('label');
    if (label && !matchesLabels(label, n.labels)) return false;
    const type = f('type');
    if (type && !type.includes(n.predefined ? 'builtin' : 'custom')) return false;
    if (danglingOnly !== undefined) {
      const inUse = n.predefined || info.endpoints.length > 0;
      if (danglingOnly === inUse) return false;
    }
    return true;
  };
}

/** POST /networks/prune filters (label, label!, until) → a predicate over records. */
export function networkPruneFilter(filters: Record<string, string[]>, now = Date.now()): (n: NetworkRecord) => boolean {
  for (const k of Object.keys(filters)) {
    if (!['label', 'label!', 'until'].includes(k)) throw new InvalidArgumentError(`invalid filter '${k}'`, 'INVALID_FILTER');
  }
  const cutoff = untilFilter(filters, now);
  const label = filters['label'] ?? [];
  const notLabel = filters['label!'] ?? [];
  return (n) => {
    if (cutoff !== undefined && Date.parse(n.created) >= cutoff) return false;
    if (label.length && !matchesLabels(label, n.labels)) return false;
    // label!=k=v prunes networks that do not carry that label
    if (notLabel.length && notLabel.some((l) => matchesLabels([l], n.labels))) return false;
    return true;
  };
}

/** Docker Engine API v1.41 network wire types (swagger: Network, NetworkCreateRequest, …). No behaviour. */
import type { EndpointSettings } from './container';

export interface IPAMConfigEntry {
  Subnet?: string;
  IPRange?: string;
  Gateway?: string;
  AuxiliaryAddresses?: Record<string, string>;
}

export interface IPAM {
  Driver: string;
  Options: Record<string, string> | null;
  Config: IPAMConfigEntry[];
}

/** One entry of Network.Containers, keyed by container id. */
export interface NetworkContainer {
  Name: string;
  EndpointID: string;
  MacAddress: string;
  /** "ip/prefixlen" */
  IPv4Address: string;
  IPv6Address: string;
}

/** GET /networks/{id} and each entry of GET /networks. */
export interface Network {
  Name: string;
  Id: string;
  Created: string;
  Scope: string;
  Driver: string;
  EnableIPv6: boolean;
  IPAM: IPAM;
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom: { Network: string };
  ConfigOnly: boolean;
  Containers: Record<string, NetworkContainer>;
  Options: Record<string, string>;
  Labels: Record<string, string>;
}

export interface NetworkCreateRequest {
  Name?: string;
  CheckDuplicate?: boolean;
  Driver?: string;
  Scope?: string;
  Internal?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  ConfigOnly?: boolean;
  ConfigFrom?: { Network: string } | null;
  EnableIPv6?: boolean;
  IPAM?: { Driver?: string; Options?: Record<string, string> | null; Config?: IPAMConfigEntry[] | null } | null;
  Options?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

export interface NetworkCreateResponse {
  Id: string;
  Warning: string;
}

export interface NetworkConnectRequest {
  Container?: string;
  EndpointConfig?: EndpointSettings | null;
}

export interface NetworkDisconnectRequest {
  Container?: string;
  Force?: boolean;
}

export interface NetworkPruneResponse {
  NetworksDeleted: string[] | null;
}

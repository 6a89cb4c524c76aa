/**
 * Which URL a reference's registry is reached at (Docker's rules): docker.io is
 * registry-1.docker.io (after any configured mirrors, for pulls only); loopback
 * hosts and listed insecure registries speak plain HTTP, everything else HTTPS.
 * Pure: no network.
 */
import { isIP } from 'node:net';
import { DEFAULT_DOMAIN } from '../reference';

export const DOCKER_HUB_HOST = 'registry-1.docker.io';
/** The key Docker writes for Hub credentials in config.json. */
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';

export interface EndpointOptions {
  /** host[:port] entries or CIDRs ("10.0.0.0/8") that may use plain HTTP */
  insecureRegistries?: string[];
  /** mirror base URLs for docker.io ("https://mirror.example", "http://127.0.0.1:5001") */
  registryMirrors?: string[];
}

export interface RegistryEndpoint {
  /** base URL without trailing slash: "https://registry-1.docker.io" */
  url: string;
  /** the registry host as references name it ("docker.io", "127.0.0.1:5000") */
  domain: string;
  mirror: boolean;
}

/** Strips the port (and IPv6 brackets) from host[:port]. */
export function hostOnly(hostPort: string): string {
  if (hostPort.startsWith('[')) return hostPort.slice(1, hostPort.indexOf(']'));
  const i = hostPort.lastIndexOf(':');
  return i >= 0 && hostPort.indexOf(':') === i ? hostPort.slice(0, i) : hostPort;
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((a, p) => (a << 8) + Number(p), 0) >>> 0;
}

function inCidr(ip: string, cidr: string): boolean {
  const [net, bitsS] = cidr.split('/');
  const bits = Number(bitsS);
  if (isIP(ip) !== 4 || isIP(net ?? '') !== 4 || !(bits >= 0 && bits <= 32)) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (ipv4ToInt(ip) & mask) === (ipv4ToInt(net!) & mask);
}

/** Docker's rule: localhost and 127.0.0.0/8 (and ::1) are always insecure, plus the configured list. */
export function isInsecureRegistry(domain: string, insecure: string[] = []): boolean {
  const host = hostOnly(domain).toLowerCase();
  if (host === 'localhost' || host === '::1' || inCidr(host, '127.0.0.0/8')) return true;
  return insecure.some((e) => (e.includes('/') ? inCidr(host, e) : e.toLowerCase() === domain.toLowerCase() || e.toLowerCase() === host));
}

/** The endpoints to try, in order. Mirrors apply to docker.io pulls only (as in Docker). */
export function registryEndpoints(domain: string, opts: EndpointOptions = {}, forPush = false): RegistryEndpoint[] {
  if (domain === DEFAULT_DOMAIN || domain === 'index.docker.io' || domain === DOCKER_HUB_HOST) {
    const mirrors = forPush ? [] : (opts.registryMirrors ?? []).map((m) => ({ url: m.replace(/\/+$/, ''), domain: DEFAULT_DOMAIN, mirror: true }));
    return [...mirrors, { url: `https://${DOCKER_HUB_HOST}`, domain: DEFAULT_DOMAIN, mirror: false }];
  }
  const scheme = isInsecureRegistry(domain, opts.insecureRegistries) ? 'http' : 'https';
  return [{ url: `${scheme}://${domain}`, domain, mirror: false }];
}

/** The key credentials are stored under: Docker Hub's legacy URL, else the host[:port]. */
export function credentialKey(domain: string): string {
  return domain === DEFAULT_DOMAIN || domain === 'index.docker.io' || domain === DOCKER_HUB_HOST ? DOCKER_HUB_AUTH_KEY : domain;
}

/** "https://index.docker.io/v1/", "http://127.0.0.1:5000/v2", "127.0.0.1:5000" → the reference domain. */
export function normalizeServerAddress(server: string): string {
  let s = server.trim();
  if (!s) return DEFAULT_DOMAIN;
  s = s.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
  if (s === 'index.docker.io' || s === DOCKER_HUB_HOST || s === 'docker.io') return DEFAULT_DOMAIN;
  return s;
}

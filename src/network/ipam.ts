/**
 * IPv4 address management, pure: subnet parsing, overlap checks, and choosing
 * free addresses and subnets. It holds no state; the service re-learns what is
 * used from the endpoint records, so a restart loses nothing.
 */
import { InvalidArgumentError } from '../base/errors';

export interface Subnet {
  /** network address as an unsigned 32-bit integer */
  base: number;
  prefix: number;
}

export function ipToInt(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4) throw new InvalidArgumentError(`invalid IP address: ${ip}`);
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) throw new InvalidArgumentError(`invalid IP address: ${ip}`);
    n = n * 256 + Number(p);
  }
  return n;
}

export function isIPv4(ip: string): boolean {
  try {
    ipToInt(ip);
    return true;
  } catch {
    return false;
  }
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** "10.1.2.0/24" → Subnet. Host bits must be zero, as Docker requires. */
export function parseSubnet(cidr: string): Subnet {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(cidr);
  if (!m || Number(m[2]) > 32 || !isIPv4(m[1]!)) throw new InvalidArgumentError(`invalid CIDR address: ${cidr}`);
  const prefix = Number(m[2]);
  const ip = ipToInt(m[1]!);
  const base = (ip & maskOf(prefix)) >>> 0;
  if (base !== ip) throw new InvalidArgumentError(`invalid subnet ${cidr}: it should be ${formatSubnet({ base, prefix })}`);
  return { base, prefix };
}

export function formatSubnet(s: Subnet): string {
  return `${intToIp(s.base)}/${s.prefix}`;
}

export function size(s: Subnet): number {
  return 2 ** (32 - s.prefix);
}

export function contains(s: Subnet, ip: string | number): boolean {
  const n = typeof ip === 'number' ? ip : ipToInt(ip);
  return ((n & maskOf(s.prefix)) >>> 0) === s.base;
}

export function overlaps(a: Subnet, b: Subnet): boolean {
  const p = Math.min(a.prefix, b.prefix);
  return ((a.base & maskOf(p)) >>> 0) === ((b.base & maskOf(p)) >>> 0);
}

/** The gateway Docker picks when none is given: the first host address. */
export function defaultGateway(s: Subnet): string {
  return intToIp(s.base + 1);
}

/**
 * The first free host address in `range` (default: the whole subnet), skipping
 * the network and broadcast addresses, the gateway and every address in `used`.
 */
export function allocateAddress(subnet: Subnet, gateway: string, used: Iterable<string>, range?: Subnet): string | undefined {
  const taken = new Set<number>([ipToInt(gateway)]);
  for (const u of used) taken.add(ipToInt(u));
  const from = range ?? subnet;
  const first = subnet.prefix >= 31 ? subnet.base : subnet.base + 1;
  const last = subnet.prefix >= 31 ? subnet.base + size(subnet) - 1 : subnet.base + size(subnet) - 2;
  for (let n = Math.max(from.base, first); n <= Math.min(from.base + size(from) - 1, last); n++) {
    if (!taken.has(n)) return intToIp(n);
  }
  return undefined;
}

/** Whether `ip` can be handed to a container on this subnet (not network/broadcast/gateway). */
export function isAssignable(subnet: Subnet, gateway: string, ip: string): boolean {
  if (!contains(subnet, ip)) return false;
  const n = ipToInt(ip);
  if (n === ipToInt(gateway)) return false;
  if (subnet.prefix < 31 && (n === subnet.base || n === subnet.base + size(subnet) - 1)) return false;
  return true;
}

/**
 * Docker's default address pools for new bridge networks: 172.17-31.0.0/16, then
 * 192.168.0.0/20 slices. The first one that overlaps nothing in `taken` wins.
 */
export function chooseSubnet(taken: Subnet[]): Subnet | undefined {
  const candidates: Subnet[] = [];
  for (let b = 17; b <= 31; b++) candidates.push({ base: ipToInt(`172.${b}.0.0`), prefix: 16 });
  for (let c = 0; c < 256; c += 16) candidates.push({ base: ipToInt(`192.168.${c}.0`), prefix: 20 });
  return candidates.find((c) => !taken.some((t) => overlaps(c, t)));
}

/** Docker-style MAC from the IPv4 address: 02:42 + the four address bytes. */
export function macForAddress(ip: string): string {
  const n = ipToInt(ip);
  const bytes = [0x02, 0x42, n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** Routes of the host from /proc/net/route (little-endian hex), as subnets; the default route is skipped. */
export function parseProcNetRoute(text: string): Subnet[] {
  const out: Subnet[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const dest = leHexToInt(f[1]!);
    const mask = leHexToInt(f[7]!);
    if (mask === 0) continue;
    const prefix = 32 - countTrailingZeros(mask);
    out.push({ base: (dest & mask) >>> 0, prefix });
  }
  return out;
}

function leHexToInt(hex: string): number {
  const n = parseInt(hex, 16) >>> 0;
  return (((n & 255) << 24) | (((n >>> 8) & 255) << 16) | (((n >>> 16) & 255) << 8) | (n >>> 24)) >>> 0;
}

function countTrailingZeros(n: number): number {
  if (n === 0) return 32;
  let c = 0;
  while (((n >>> c) & 1) === 0) c++;
  return c;
}

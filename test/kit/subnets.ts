/** A /24 for a test network that no route on this host overlaps (tests on one host must never share one). */
import { readFileSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import { overlaps, parseProcNetRoute, parseSubnet } from '../../src/network/ipam';

export function freeSubnet(): string {
  const routes = parseProcNetRoute(readFileSync('/proc/net/route', 'utf8'));
  for (;;) {
    const s = `10.${randomInt(100, 250)}.${randomInt(0, 255)}.0/24`;
    if (!routes.some((r) => overlaps(r, parseSubnet(s)))) return s;
  }
}

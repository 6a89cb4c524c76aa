/**
 * Bridge anchors. netavark deletes a bridge and its firewall chains when the
 * last container leaves it, and builds them again for the next container:
 * about 150 ms of iptables runs each way, on every `run --rm` of a lone
 * container. A tap device enslaved to the bridge (down, never carrying
 * traffic) counts as a port to netavark, so the bridge and its chains stay
 * while the network exists, as docker0 does, and a container's setup and
 * teardown touch only its own veth and rules. A tap, because the `dummy`
 * module is missing on many hosts while tun is nearly always there.
 */
import { promises as fs } from 'node:fs';
import { run, runUnchecked } from '../platform/spawn';

/** Interface names are at most 15 bytes: "bk-" + 12 hex digits of the network id. */
export function anchorName(networkId: string): string {
  return `bk-${networkId.slice(0, 12)}`;
}

export async function linkExists(name: string): Promise<boolean> {
  return fs.access(`/sys/class/net/${name}`).then(() => true, () => false);
}

/** Enslaves an anchor to `bridge` unless it is there already; one `ip` run. */
export async function ensureAnchor(bridge: string, networkId: string): Promise<void> {
  const name = anchorName(networkId);
  if (await linkExists(name)) return;
  await run(['ip', '-batch', '-'], { input: `tuntap add dev ${name} mode tap\nlink set ${name} master ${bridge}\n`, timeoutMs: 10_000 });
}

/** Returns whether there was one to remove. */
export async function removeAnchor(networkId: string): Promise<boolean> {
  const name = anchorName(networkId);
  if (!(await linkExists(name))) return false;
  await runUnchecked(['ip', 'link', 'del', name], { timeoutMs: 10_000 });
  return true;
}

/**
 * Persistent network namespaces: a new netns bind-mounted on a file under
 * <execRoot>/netns/, so it outlives the process that made it (util-linux
 * `unshare --net=<file>`, or build/native/berth-userns for a netns owned by the
 * --userns-remap user namespace). Removal unmounts and deletes the file.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { run, runUnchecked } from '../platform/spawn';
import { nativeToolPath } from '../platform/native-tool';
import { InternalError, errorMessage } from '../base/errors';
import { inInitialUserns } from '../platform/rootless';

export function netnsDir(execRoot: string): string {
  return path.join(execRoot, 'netns');
}

/** A fresh file name: a sandbox's netns is never reused, so a teardown still in flight cannot remove a newer one. */
export function newNetnsName(): string {
  return `ns-${randomBytes(6).toString('hex')}`;
}

/** `userns`: a user namespace file (--userns-remap) that is to own the netns, so its containers may use it. */
export async function createNetns(execRoot: string, name: string, userns?: string): Promise<string> {
  return createNetnsAt(path.join(netnsDir(execRoot), name), userns);
}

/** createNetns on a file of the caller's choosing (its directory is made if missing). */
export async function createNetnsAt(file: string, userns?: string): Promise<string> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await fs.writeFile(file, '', { mode: 0o600 }); // unshare needs an existing mount point
  try {
    // loopback up, as every container expects 127.0.0.1 to work; unshare runs it inside the new netns.
    // Docker's default sysctls for a container netns (any user may bind low ports and ping). Set from the
    // host: a user-namespaced container does not own this netns and could not write them itself.
    const script = `ip link set lo up && echo 0 > /proc/sys/net/ipv4/ip_unprivileged_port_start && echo "0 ${await topMappedGid()}" > /proc/sys/net/ipv4/ping_group_range`;
    const argv = userns ? [nativeToolPath('berth-userns'), 'netns', userns, file] : ['unshare', `--net=${file}`];
    await run([...argv, 'sh', '-c', script], { timeoutMs: 10_000 });
  } catch (e) {
    await removeNetns(file).catch(() => {}); // best effort; the original error matters
    throw new InternalError(`failed to create network namespace ${file}: ${errorMessage(e)}`, 'NETNS_CREATE_FAILED', { cause: e });
  }
  return file;
}

/** The kernel takes a ping group range only of IDs mapped in the writer's user namespace (a rootless daemon's is small). */
async function topMappedGid(): Promise<number> {
  if (inInitialUserns()) return 2147483647;
  const map = await fs.readFile('/proc/self/gid_map', 'utf8');
  return Math.max(0, ...map.trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number)).map(([inside = 0, , count = 1]) => inside + count - 1));
}

/** Unmounts and deletes; a path that is already gone is fine. */
export async function removeNetns(file: string): Promise<void> {
  const r = await runUnchecked(['umount', file], { timeoutMs: 10_000 });
  if (r.exitCode !== 0 && !/not mounted|no mount point|not found|No such file/i.test(r.stderr)) {
    // lazy detach if something still holds it busy
    await runUnchecked(['umount', '-l', file], { timeoutMs: 10_000 });
  }
  await fs.rm(file, { force: true });
}

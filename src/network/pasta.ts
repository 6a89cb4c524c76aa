/**
 * pasta (Debian's passt) gives a rootless container's netns its connectivity: a tap device with a
 * NATed address, and published ports bound in the host's network namespace and spliced into the
 * container's (no root, no firewall rules). One pasta per container, in the background; it quits by
 * itself when the netns file goes away, and is also stopped by its pidfile.
 */
import { promises as fs } from 'node:fs';
import { run } from '../platform/spawn';
import { InternalError, errorMessage } from '../base/errors';
import type { PublishedPort } from './ports';

/** The default bridge (a pasta per container) and user-defined networks (the rootless netns) do not meet. */
export const ROOTLESS_BRIDGE_MIX = 'rootless mode: a container cannot join both the default bridge network and user-defined networks';

/** The container's side of the tap device: slirp4netns's well-known layout, which rootless Docker uses too. */
export const PASTA_ADDRESS = '10.0.2.100';
export const PASTA_PREFIX = 24;
export const PASTA_GATEWAY = '10.0.2.2';
/** DNS queries to this address go to the host's first resolver. */
export const PASTA_DNS = '10.0.2.3';

/** "-t 127.0.0.1/8080:80,9000:90" style lists, one per protocol; "none" when a protocol has none. */
export function pastaPortSpecs(ports: PublishedPort[], protocol: 'tcp' | 'udp'): string {
  const list = ports.filter((p) => p.protocol === protocol).map((p) => `${p.hostIp ? `${p.hostIp}/` : ''}${p.hostPort}:${p.containerPort}`);
  return list.length ? list.join(',') : 'none';
}

export function pastaArgs(netnsPath: string, pidFile: string, ports: PublishedPort[]): string[] {
  return [
    '--config-net',
    '--quiet',
    '--netns', netnsPath,
    '--pid', pidFile,
    '-4',
    '-a', PASTA_ADDRESS,
    '-n', String(PASTA_PREFIX),
    '-g', PASTA_GATEWAY,
    '--dns-forward', PASTA_DNS,
    '-t', pastaPortSpecs(ports, 'tcp'),
    '-u', pastaPortSpecs(ports, 'udp'),
    // nothing from the container to the host's own ports, as a bridge network would not have it
    '-T', 'none',
    '-U', 'none',
  ];
}

/** Starts pasta for the netns; returns once it forked to the background (its ports are bound). */
export async function startPasta(netnsPath: string, pidFile: string, ports: PublishedPort[]): Promise<void> {
  try {
    await run(['pasta', ...pastaArgs(netnsPath, pidFile, ports)], { timeoutMs: 30_000 });
  } catch (e) {
    await stopPasta(pidFile);
    throw new InternalError(`failed to set up container networking with pasta: ${errorMessage(e)}`, 'PASTA_FAILED', { cause: e });
  }
}

/** Stops the pasta named by the pidfile, if it still runs; removes the pidfile. */
export async function stopPasta(pidFile: string): Promise<void> {
  const pid = Number((await fs.readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (pid > 0) {
    const comm = (await fs.readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim();
    if (comm.startsWith('pasta') || comm.startsWith('passt')) { // Debian's runs as passt.avx2
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // gone meanwhile
      }
    }
  }
  await fs.rm(pidFile, { force: true });
}

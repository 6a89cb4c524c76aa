/**
 * The rootless network namespace: one netns of the rootless daemon (owned by its user namespace,
 * so root there may make bridges, veths and firewall rules), where netavark plumbs user-defined
 * networks as it does on the host for a rootful daemon, and aardvark-dns answers for them. pasta
 * connects it to the outside (outgoing traffic, DNS forwarding); published ports come in through
 * the daemon's port forwarder (port-forwarder.ts). This is the design of rootless Podman's
 * "rootless-netns" and of rootless Docker's network namespace.
 *
 * Everything here lives under <execRoot>/rootless-netns and is made on first use; it outlives a
 * killed daemon (a restarted one in the same namespaces uses it again) and is removed by close().
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { errorMessage } from '../base/errors';
import type { Logger } from '../base/logger';
import { isMounted } from '../platform/mount';
import { createNetnsAt, removeNetns } from './netns';
import { PortForwarder } from './port-forwarder';
import { startPasta, stopPasta } from './pasta';
import type { PublishedPort } from './ports';

export class RootlessNetns {
  readonly dir: string;
  readonly file: string;
  private readonly pastaPid: string;
  private readonly forwarder: PortForwarder;
  private up = false;

  constructor(execRoot: string, private readonly aardvarkPidFile: string, private readonly log: Logger) {
    this.dir = path.join(execRoot, 'rootless-netns');
    this.file = path.join(this.dir, 'net');
    this.pastaPid = path.join(this.dir, 'pasta.pid');
    this.forwarder = new PortForwarder(this.enter(), log);
  }

  /** argv prefix that runs a command in the namespace */
  enter(): string[] {
    return ['nsenter', `--net=${this.file}`];
  }

  /** Makes the namespace and its pasta unless both are there (a daemon restarted in its namespaces finds them). */
  async ensure(): Promise<void> {
    if (this.up) return;
    if (!(await isMounted(this.file))) {
      await stopPasta(this.pastaPid); // one left from a namespace that is gone
      // aardvark-dns's records of that namespace's containers would answer for addresses handed out anew
      await fs.rm(path.dirname(this.aardvarkPidFile), { recursive: true, force: true });
      await createNetnsAt(this.file);
    }
    if (!(await pidAlive(this.pastaPid, /^(pasta|passt)/))) {
      // no ports: they come through the forwarder, which can add them while pasta runs
      await startPasta(this.file, this.pastaPid, []);
    }
    this.up = true;
  }

  /** Whether the namespace exists already (a stale file of a former user namespace does not count). */
  exists(): Promise<boolean> {
    return isMounted(this.file);
  }

  forward(key: string, ports: PublishedPort[], ip: string): Promise<void> {
    return this.forwarder.add(key, ports, ip);
  }

  unforward(key: string): Promise<void> {
    return this.forwarder.remove(key);
  }

  /** Ends the forwarder, aardvark-dns, pasta and the namespace. */
  async close(): Promise<void> {
    this.up = false;
    await this.forwarder.close();
    const aardvark = await pidAlive(this.aardvarkPidFile, /^aardvark/);
    if (aardvark) {
      try {
        process.kill(aardvark, 'SIGTERM');
      } catch {
        // gone meanwhile
      }
    }
    await stopPasta(this.pastaPid);
    await fs.rm(path.dirname(this.aardvarkPidFile), { recursive: true, force: true });
    await removeNetns(this.file).catch((e: unknown) => this.log.warn({ err: errorMessage(e) }, 'removing the rootless netns failed'));
    await fs.rm(this.dir, { recursive: true, force: true });
  }
}

/** The pid in `pidFile` if that process runs and its name matches (a reused pid does not). */
async function pidAlive(pidFile: string, comm: RegExp): Promise<number | undefined> {
  const pid = Number((await fs.readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (!(pid > 0)) return undefined;
  const name = (await fs.readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim();
  return comm.test(name) ? pid : undefined;
}

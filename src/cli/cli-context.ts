/**
 * What every command action receives: the output streams, the environment and a
 * lazily connected DockerClient (ping + version negotiation + auto-start on first use).
 */
import type { Readable, Writable } from 'node:stream';
import type { DockerClient } from '../client/docker-client';
import type { DaemonAddress } from '../client/host';

export interface GlobalOptions {
  host?: string;
  logLevel?: string;
  debug?: boolean;
}

export interface CliStreams {
  stdin: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  stdout: Writable & { isTTY?: boolean; columns?: number; rows?: number };
  stderr: Writable;
}

export class CliContext {
  private clientPromise: Promise<DockerClient> | undefined;
  private clientInstance: DockerClient | undefined;

  constructor(
    readonly streams: CliStreams,
    readonly env: NodeJS.ProcessEnv,
    readonly globals: GlobalOptions,
    /** the full command name, e.g. "berth run" (for usage hints) */
    public commandName = 'berth',
  ) {}

  get out(): CliStreams['stdout'] {
    return this.streams.stdout;
  }
  get err(): Writable {
    return this.streams.stderr;
  }

  /** Connects (once): resolves the address, pings, negotiates, auto-starts a local daemon if needed. */
  client(): Promise<DockerClient> {
    this.clientPromise ??= (async () => {
      const { DockerClient } = require('../client/docker-client') as typeof import('../client/docker-client');
      const { resolveDaemonAddress } = require('../client/host') as typeof import('../client/host');
      const explicit = this.globals.host || this.env.BERTH_HOST || this.env.DOCKER_HOST;
      const address: DaemonAddress = resolveDaemonAddress(this.globals.host, this.env);
      const client = new DockerClient(address);
      this.clientInstance = client;
      try {
        await client.negotiate();
      } catch (e) {
        const { DaemonUnreachableError } = (require('../client/api-error') as typeof import('../client/api-error'));
        if (!(e instanceof DaemonUnreachableError) || explicit) throw e;
        const { startLocalDaemon } = (require('./daemon-autostart') as typeof import('./daemon-autostart'));
        await startLocalDaemon(address, this.env);
        const fresh = new DockerClient(address);
        this.clientInstance = fresh;
        await fresh.negotiate();
        return fresh;
      }
      return client;
    })();
    return this.clientPromise;
  }

  close(): void {
    this.clientInstance?.close();
  }
}

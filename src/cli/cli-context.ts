/**
 * What every command action receives: the output streams, the environment and a
 * lazily made DockerClient (version negotiation and auto-start happen on its first request).
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

  /**
   * The client (made once): no ping up front. Requests go out on our API version (the
   * daemon's answer to a too-new version triggers negotiation), DOCKER_API_VERSION pins
   * it as with the docker CLI, and when nothing answers at the default address a local
   * daemon is started and the request resent.
   */
  client(): Promise<DockerClient> {
    this.clientPromise ??= (async () => {
      const { DockerClient } = require('../client/docker-client') as typeof import('../client/docker-client');
      const { resolveDaemonAddress } = require('../client/host') as typeof import('../client/host');
      const explicit = this.globals.host || this.env.BERTH_HOST || this.env.DOCKER_HOST;
      const address: DaemonAddress = resolveDaemonAddress(this.globals.host, this.env);
      const autostart = async (): Promise<void> => {
        const { startLocalDaemon } = require('./daemon-autostart') as typeof import('./daemon-autostart');
        await startLocalDaemon(address, this.env);
      };
      this.clientInstance = new DockerClient(address, {
        optimistic: true,
        ...(this.env.DOCKER_API_VERSION ? { apiVersion: this.env.DOCKER_API_VERSION } : {}),
        ...(explicit ? {} : { onUnreachable: autostart }),
      });
      return this.clientInstance;
    })();
    return this.clientPromise;
  }

  close(): void {
    this.clientInstance?.close();
  }
}

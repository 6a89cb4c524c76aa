/**
 * What every container operation gets: its dependencies, bound once by
 * container/index.ts. Operations are plain functions of (ctx, ...args).
 */
import * as path from 'node:path';
import type { ContainerStore } from '../state/container-store';
import type { ImageService } from '../image/types';
import type { VolumeService } from '../volume/types';
import type { ContainerRuntime } from '../runtime/types';
import type { EventBus } from '../base/events';
import type { Logger } from '../base/logger';
import type { KeyedMutex } from '../base/async';
import type { ContainerRecord } from './types';
import type { Supervisor } from './supervisor';
import type { AttachHub } from './attach';
import type { LogConfig } from './logs/config';
import type { ContainerLogs } from './logs/service';
import type { UsernsRemap } from '../platform/idmap';
import type { RootlessFacts } from '../platform/rootless';

/** How a container joins a network namespace; implemented by the engine with network/ (port owned by its consumer). */
export interface ContainerNetworking {
  /** Validate network settings at create time (unknown networks, bad ports) so a bad create changes nothing. */
  validate(rec: ContainerRecord): Promise<void>;
  /** Called at start before the runtime creates the container. */
  setup(rec: ContainerRecord): Promise<NetworkJoin>;
  /** Called after the container stopped; must be idempotent. */
  teardown(rec: ContainerRecord): Promise<void>;
}

export interface NetworkJoin {
  /** 'private' = new empty netns, 'host' = none, or a netns path to join */
  netns: 'private' | 'host' | string;
  hosts: string;
  resolvConf: string;
  /** Settles when the plumbing is in place. The runtime may create the container before
   * (it only needs the netns to exist), but must not start it; plumbing in parallel with
   * `runtime create` hides most of its cost. */
  ready?: Promise<void>;
}

/** What the container service is built from (bound once by the engine). */
export interface ContainerServiceDeps {
  store: ContainerStore;
  images: ImageService;
  runtime: ContainerRuntime;
  networking: ContainerNetworking;
  volumes: VolumeService;
  events: EventBus;
  logger: Logger;
  dataRoot: string;
  execRoot: string;
  /** the daemon's logging driver and options (`--log-driver`/`--log-opts`, daemon.json) */
  logDefaults?: LogConfig;
  /** the daemon's --userns-remap, resolved; containers run in a user namespace under it unless --userns=host */
  usernsRemap?: UsernsRemap;
  /** the user namespace remapped containers join (platform/userns-file.ts); set with usernsRemap */
  usernsFile?: string;
  /** set when the daemon is rootless: its storage driver, cgroup delegation and network helper */
  rootless?: RootlessFacts;
}

export interface ContainerContext extends ContainerServiceDeps {
  /** serializes lifecycle operations per container */
  locks: KeyedMutex;
  supervisor: Supervisor;
  attachHub: AttachHub;
  logs: ContainerLogs;
  /** aborted by close(): pending restart-policy starts give up */
  closing: AbortSignal;
}

/**
 * Runs `fn` under the container's lock on its record as found once the lock is held: a
 * container removed meanwhile is not found, and `fn` checks the state it acts on.
 */
export async function underLock<T>(ctx: ContainerContext, ref: string, fn: (rec: ContainerRecord) => Promise<T>): Promise<T> {
  const { id } = ctx.store.resolve(ref);
  return ctx.locks.run(id, () => fn(ctx.store.resolve(id)));
}

export function publishContainerEvent(ctx: ContainerContext, rec: ContainerRecord, action: string, extra: Record<string, string> = {}): void {
  ctx.events.publish({
    type: 'container',
    action,
    id: rec.id,
    attributes: { image: rec.spec.image, name: rec.name, ...rec.spec.labels, ...extra },
  });
}

/** The OCI bundle (config.json) of a container lives in the exec root: it is runtime state, gone at reboot. */
export function bundleDir(ctx: Pick<ContainerContext, 'execRoot'>, id: string): string {
  return path.join(ctx.execRoot, 'containers', id);
}

/** Every container's cgroup (cgroupfs driver), under one parent per host. */
export function cgroupsPathOf(id: string): string {
  return `/berth/${id}`;
}

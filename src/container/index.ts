/**
 * The container service: binds the dependencies once and exposes one method
 * per operation. The operations live in their own files.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { updateContainer } from './update';
import { commitContainer, containerChanges } from './commit';
import type { ChangeKind } from '../layer/upper-diff';
import type { ImageRecord } from '../image/types';
import type { Readable } from 'node:stream';
import { ConflictError, FailedPreconditionError, InvalidArgumentError, wrapError } from '../base/errors';
import { KeyedMutex } from '../base/async';
import type { AttachStream } from '../runtime/types';
import { AttachHub, LateAttachStream } from './attach';
import type { ContainerContext, ContainerServiceDeps } from './context';
export type { ContainerServiceDeps } from './context';
import { publishContainerEvent, underLock } from './context';
import { createContainer } from './create';
import { ExecRegistry } from './exec';
import { HealthMonitor } from './health';
import { handleExit } from './exit';
import { ancestorIds, containerPruneFilter, listRecords, shownImage, toSummary } from './list';
import { linksOf } from './links';
import { ContainerLogs } from './logs/service';
import { recoverContainers, restartPolicyOnBoot } from './recover';
import { removeContainer } from './remove';
import type { ContainerSpec } from './spec';
import { startContainer } from './start';
import { canPause, canUnpause, isRunning } from './status';
import { killContainer, restartContainer, stopContainer } from './lifecycle';
import { Supervisor } from './supervisor';
import { listProcesses } from '../platform/procps';
import { readContainerStats, statsReadContext } from './stats';
import { archiveContainerPath, exportContainer, extractToContainerDir, statContainerPath, type ContainerPathStat, type ExtractToDirOptions } from './archive';
import type {
  CommitOptions,
  ContainerUpdate,
  ContainerListOptions,
  ContainerRecord,
  ContainerService,
  ContainerStatsSample,
  ContainerSummary,
  ExecCreateSpec,
  ExecInfo,
  LogEntry,
  LogsOptions,
  TopResult,
  WaitOptions,
} from './types';

export class Containers implements ContainerService {
  private readonly ctx: ContainerContext;
  private readonly execs: ExecRegistry;
  private readonly health: HealthMonitor;
  private readonly closing = new AbortController();

  private constructor(deps: ContainerServiceDeps) {
    const locks = new KeyedMutex();
    const supervisor = new Supervisor(
      deps.runtime.exitDir,
      () => deps.store.all().filter((r) => r.state.status === 'running' || r.state.status === 'paused'),
      (id) => deps.runtime.exitCode(id),
      deps.logger.child({ module: 'container.supervisor' }),
    );
    const logs = new ContainerLogs({
      runtime: deps.runtime,
      events: deps.events,
      logger: deps.logger.child({ module: 'container.logs' }),
      containerDir: (id) => deps.store.containerDir(id),
      record: (id) => deps.store.get(id),
      imageName: (rec) => rec.spec.image,
    });
    this.ctx = { ...deps, locks, supervisor, attachHub: new AttachHub(), closing: this.closing.signal, logs };
    this.execs = new ExecRegistry(this.ctx);
    this.health = new HealthMonitor(this.ctx, this.execs);
  }

  /** Opens the service: reconciles with what runs, then watches exits. */
  static async open(deps: ContainerServiceDeps): Promise<Containers> {
    const svc = new Containers(deps);
    await recoverContainers(svc.ctx);
    await svc.ctx.supervisor.startWatching({ onExit: (rec, code, pid) => handleExit(svc.ctx, rec, code, pid) });
    svc.health.open();
    void restartPolicyOnBoot(svc.ctx, (id) => svc.start(id));
    return svc;
  }

  async close(): Promise<void> {
    this.closing.abort();
    this.health.close();
    this.ctx.supervisor.stop();
    await this.ctx.logs.close();
  }

  /** Image ids used by containers (for rmi's in-use check). */
  /** Containers made from the image, or with it mounted (--mount type=image: its layers must stay while they exist). */
  usersOfImage(imageId: string): string[] {
    return this.ctx.store.all().filter((r) => r.imageId === imageId || r.mountPoints?.some((m) => m.type === 'image' && m.imageId === imageId)).map((r) => r.id);
  }

  resolve(ref: string): ContainerRecord {
    return this.ctx.store.resolve(ref);
  }

  /** Change a record under its lock and persist it (engine-level operations such as network connect). */
  async mutate<T>(ref: string, fn: (rec: ContainerRecord) => Promise<T>): Promise<T> {
    return underLock(this.ctx, ref, async (rec) => {
      const out = await fn(rec);
      await this.ctx.store.save(rec);
      return out;
    });
  }

  create(spec: ContainerSpec, opts?: { id?: string }): Promise<{ id: string; warnings: string[] }> {
    return createContainer(this.ctx, spec, opts?.id);
  }

  start(ref: string): Promise<void> {
    return startContainer(this.ctx, ref);
  }

  stop(ref: string, opts?: { timeout?: number; signal?: string }): Promise<void> {
    return stopContainer(this.ctx, ref, opts);
  }

  kill(ref: string, signal?: string): Promise<void> {
    // dockerd names the container as given in front of every kill failure
    return killContainer(this.ctx, ref, signal).catch((e: unknown) => {
      throw wrapError(e, `cannot kill container: ${ref}`);
    });
  }

  restart(ref: string, opts?: { timeout?: number; signal?: string }): Promise<void> {
    return restartContainer(this.ctx, ref, opts);
  }

  async remove(ref: string, opts?: { force?: boolean; volumes?: boolean }): Promise<void> {
    const rec = this.resolve(ref);
    await removeContainer(this.ctx, rec.id, opts);
    this.execs.dropContainer(rec.id);
  }

  async wait(ref: string, opts: WaitOptions): Promise<{ statusCode: number; error?: string }> {
    const rec = this.resolve(ref);
    let p: Promise<number>;
    if (opts.condition === 'removed') p = this.ctx.supervisor.waitRemoved(rec.id, opts.signal);
    else if (opts.condition === 'next-exit') p = this.ctx.supervisor.waitExit(rec.id, opts.signal);
    else if (!isRunning(rec.state.status)) return { statusCode: rec.state.exitCode };
    else p = this.ctx.supervisor.waitExit(rec.id, opts.signal);
    const code = await p;
    return { statusCode: code };
  }

  async list(opts: ContainerListOptions = {}): Promise<ContainerSummary[]> {
    const images = await this.ctx.images.list({ all: true });
    const imageName = (r: ContainerRecord) => shownImage(r, images);
    const all = this.ctx.store.all();
    const ancestors = new Map<string, Set<string>>();
    const recs = listRecords(all, opts, {
      imageMatches: (ref, id) => {
        if (!ancestors.has(ref)) ancestors.set(ref, ancestorIds(ref, images));
        return ancestors.get(ref)!.has(id);
      },
      createdOf: (ref) => {
        try {
          return this.resolve(ref).created;
        } catch {
          return undefined;
        }
      },
    });
    const out = recs.map((r) => toSummary(r, imageName(r), all));
    const manifests = await Promise.all(recs.map((r) => this.ctx.images.manifestDescriptor(r.imageId)));
    for (const [i, d] of manifests.entries()) if (d) out[i]!.imageManifest = d;
    if (opts.size) {
      for (const [i, r] of recs.entries()) {
        const rw = await writableSize(path.join(this.ctx.store.containerDir(r.id), 'rw', 'upper'));
        out[i]!.sizeRw = rw;
        out[i]!.sizeRootFs = rw + (images.find((x) => x.id === r.imageId)?.size ?? 0);
      }
    }
    return out;
  }

  async sizes(ref: string): Promise<{ sizeRw: number; sizeRootFs: number }> {
    const rec = this.resolve(ref);
    const sizeRw = await writableSize(path.join(this.ctx.store.containerDir(rec.id), 'rw', 'upper'));
    const image = await this.ctx.images.resolve(rec.imageId).catch(() => undefined);
    return { sizeRw, sizeRootFs: sizeRw + (image?.size ?? 0) };
  }

  /** The record, its HostConfig links in dockerd's inspect form (`/target:/linker/alias`, from current names). */
  async inspect(ref: string): Promise<ContainerRecord> {
    const rec = structuredClone(this.resolve(ref));
    if (rec.spec.host.linkTargets) rec.spec.host.links = linksOf(rec, this.ctx.store.all());
    return rec;
  }

  logs(ref: string, opts: LogsOptions): AsyncIterable<LogEntry> {
    const rec = this.resolve(ref);
    const want = (e: LogEntry) => (e.stream === 'stdout' ? opts.stdout : opts.stderr);
    const source = this.ctx.logs.read(rec, opts);
    return (async function* () {
      for await (const e of source) if (want(e)) yield e;
    })();
  }

  async attach(ref: string, opts: { stdin: boolean; stdout: boolean; stderr: boolean; stream: boolean; logs: boolean }): Promise<AttachStream> {
    const rec = this.resolve(ref);
    const stdin = opts.stdin && rec.spec.openStdin;
    // dockerd: with a tty, or without StdinOnce, the end of the client's input ends the attach
    const s = new LateAttachStream(stdin, rec.spec.tty || !rec.spec.stdinOnce);
    if (rec.state.status === 'running' || rec.state.status === 'paused') s.connect(await this.ctx.runtime.attach(rec.id, { stdin, endOnStdinEof: s.endOnStdinEof }));
    else this.ctx.attachHub.add(rec.id, s);
    publishContainerEvent(this.ctx, rec, 'attach');
    return s;
  }

  async resize(ref: string, height: number, width: number): Promise<void> {
    const rec = this.resolve(ref);
    if (!isRunning(rec.state.status)) throw new ConflictError(`container ${rec.id} is not running`, 'CONTAINER_NOT_RUNNING');
    if (rec.spec.tty) await this.ctx.runtime.resize(rec.id, height, width);
    publishContainerEvent(this.ctx, rec, 'resize', { height: String(height), width: String(width) });
  }

  async top(ref: string, psArgs?: string): Promise<TopResult> {
    const rec = this.resolve(ref);
    if (!isRunning(rec.state.status)) throw new ConflictError(`container ${rec.id} is not running`, 'CONTAINER_NOT_RUNNING');
    const pids = await this.ctx.runtime.pids(rec.id);
    const out = await listProcesses(pids, psArgs || '-ef');
    publishContainerEvent(this.ctx, rec, 'top');
    return out;
  }

  stats(ref: string): Promise<ContainerStatsSample> {
    return readContainerStats(this.resolve(ref));
  }

  async statsAll(): Promise<ContainerStatsSample[]> {
    const recs = this.ctx.store.all().filter((r) => r.state.status === 'running' || r.state.status === 'paused');
    if (!recs.length) return [];
    const rc = await statsReadContext();
    return Promise.all(recs.map((r) => readContainerStats(r, rc)));
  }

  stateCounts(): { running: number; paused: number; stopped: number } {
    const all = this.ctx.store.all();
    const running = all.filter((r) => r.state.status === 'running').length;
    const paused = all.filter((r) => r.state.status === 'paused').length;
    return { running, paused, stopped: all.length - running - paused };
  }

  healthCheckCounts(): { total: number; failed: number } {
    return this.health.counts();
  }

  /** dockerd's order: the container must exist, the name must differ, then the new name is checked and taken. */
  async rename(ref: string, newName: string): Promise<void> {
    if (!newName) throw new InvalidArgumentError('Neither old nor new names may be empty', 'INVALID_NAME');
    const name = newName.replace(/^\//, '');
    await underLock(this.ctx, ref, async (rec) => {
      const old = rec.name;
      if (old === name) throw new InvalidArgumentError('Renaming a container with the same name as its current name', 'RENAME_SAME_NAME');
      if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(name)) {
        throw new InvalidArgumentError(`Error when allocating new name: Invalid container name (/${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`, 'INVALID_NAME');
      }
      await this.ctx.store.rename(rec, name).catch((e: unknown) => {
        throw wrapError(e, 'Error when allocating new name');
      });
      publishContainerEvent(this.ctx, rec, 'rename', { oldName: `/${old}` });
    });
  }

  async pause(ref: string): Promise<void> {
    await underLock(this.ctx, ref, async (rec) => {
      if (!canPause(rec.state.status)) {
        throw new ConflictError(rec.state.status === 'paused' ? `Container ${rec.id} is already paused` : `container ${rec.id} is not running`);
      }
      if (this.ctx.rootless?.cgroups.kind === 'none') throw new FailedPreconditionError(`cannot pause container ${rec.id} in rootless mode without cgroups v2 (the freezer): ${this.ctx.rootless.cgroups.reason}`);
      await this.ctx.runtime.pause(rec.id);
      rec.state.status = 'paused';
      await this.ctx.store.save(rec);
      publishContainerEvent(this.ctx, rec, 'pause');
    });
  }

  async unpause(ref: string): Promise<void> {
    await underLock(this.ctx, ref, async (rec) => {
      if (!canUnpause(rec.state.status)) throw new ConflictError(`Container ${rec.id} is not paused`);
      await this.ctx.runtime.resume(rec.id);
      rec.state.status = 'running';
      await this.ctx.store.save(rec);
      publishContainerEvent(this.ctx, rec, 'unpause');
    });
  }

  async prune(filters: Record<string, string[]> = {}): Promise<{ deleted: string[]; spaceReclaimed: number }> {
    const deleted: string[] = [];
    let spaceReclaimed = 0;
    const keep = containerPruneFilter(filters);
    for (const rec of this.ctx.store.all()) {
      if (rec.state.status !== 'exited' && rec.state.status !== 'created' && rec.state.status !== 'dead') continue;
      if (!keep(rec)) continue;
      // as dockerd: the writable layer's size is what removal frees; a container that cannot be removed is logged and skipped
      const size = await writableSize(path.join(this.ctx.store.containerDir(rec.id), 'rw', 'upper'));
      try {
        await this.remove(rec.id);
      } catch (e) {
        this.ctx.logger.warn({ id: rec.id, err: String(e) }, 'failed to prune container');
        continue;
      }
      deleted.push(rec.id);
      spaceReclaimed += size;
    }
    this.ctx.events.publish({ type: 'container', action: 'prune', id: '', attributes: { reclaimed: String(spaceReclaimed) } });
    return { deleted, spaceReclaimed };
  }

  /** `docker commit`: the container's changes as a new image. */
  commit(ref: string, opts: CommitOptions): Promise<ImageRecord> {
    return commitContainer(this.ctx, ref, opts);
  }

  update(ref: string, u: ContainerUpdate): Promise<{ warnings: string[] }> {
    return updateContainer(this.ctx, ref, u);
  }

  /** `docker diff` */
  changes(ref: string): Promise<Array<{ path: string; kind: ChangeKind }>> {
    return containerChanges(this.ctx, ref);
  }

  export(ref: string): Promise<Readable> {
    return exportContainer(this.ctx, ref);
  }

  statPath(ref: string, path: string): Promise<ContainerPathStat> {
    return statContainerPath(this.ctx, ref, path);
  }

  getArchive(ref: string, path: string): Promise<{ stat: ContainerPathStat; tar: Readable }> {
    return archiveContainerPath(this.ctx, ref, path);
  }

  putArchive(ref: string, path: string, tar: Readable, opts: ExtractToDirOptions): Promise<void> {
    return extractToContainerDir(this.ctx, ref, path, tar, opts);
  }

  execCreate(ref: string, spec: ExecCreateSpec): Promise<string> {
    return Promise.resolve(this.execs.create(ref, spec));
  }

  execStart(execId: string, opts: { detach: boolean; tty: boolean; startable?: () => Promise<void> }): Promise<AttachStream | undefined> {
    return this.execs.start(execId, opts);
  }

  execInspect(execId: string): Promise<ExecInfo> {
    return Promise.resolve(this.execs.inspect(execId));
  }

  execResize(execId: string, height: number, width: number): Promise<void> {
    return this.execs.resize(execId, height, width);
  }
}

/** Bytes of the regular files in a writable layer (whiteouts and directories count nothing, as in Docker's SizeRw). */
async function writableSize(dir: string): Promise<number> {
  let total = 0;
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  for (const e of entries) {
    if (!e.isFile()) continue;
    total += await fs.lstat(path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)).then((s) => s.size, () => 0);
  }
  return total;
}

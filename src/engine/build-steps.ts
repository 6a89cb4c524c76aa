/**
 * The light RUN step: the process runs straight under the OCI runtime (`runc run`) over an
 * overlay of the image's layers, with no container record, no conmon and no log files, and its
 * layer is the overlay's upper dir. An ordinary container costs a record, conmon, three runtime
 * calls and a log pump per step (~4× the step itself on a loaded 2-core host); see
 * docs/architecture.md "Build steps". Networking is the containers' own (EngineNetworking), so a
 * step sees the network, hosts and resolv.conf a step container would.
 *
 * Where it differs from the classic builder: a step is no container while it runs (`docker ps`
 * does not list it, no container events); a failed one becomes a stopped container afterwards,
 * with its changes, so what users inspect after a failed build is what Docker leaves.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../base/logger';
import { errorMessage, InternalError, NotFoundError } from '../base/errors';
import { newId } from '../base/ids';
import type { BuildImage, SealedStep, StepFs, StepRun } from '../builder/ports';
import type { ImageConfigConfig } from '../protocol/oci/image';
import { checkArchive, diskProbe, extractArchive, spoolUpload } from '../container/archive-extract';
import { packContainerPath } from '../container/archive-pack';
import { absContainerPath, assertsDirectory, goBase, resolveContainerPath, type PathMount } from '../container/path-resolve';
import { resolveUser } from '../container/user';
import { defaultBerthFsPath } from '../layer/berth-fs';
import { RUNTIME_MOUNT_POINTS } from '../container/commit';
import type { ContainerNetworking } from '../container/context';
import { mergeEnv } from '../container/create';
import { hostFacts } from '../container/host-facts';
import type { ContainerSpec } from '../container/spec';
import { buildRuntimeInput, type RuntimeInputContext } from '../container/start';
import type { ContainerRecord, ContainerService } from '../container/types';
import { ZERO_TIME } from '../container/status';
import type { ImageRecord, ImageService } from '../image/types';
import { opaqueDirs, packUpper, readUpperXattrs, scanUpper, trimUpper } from '../layer/upper-diff';
import { mountOverlay, unmount } from '../platform/mount';
import { generateRuntimeSpec } from '../runtime/oci-spec';
import { runToEnd } from '../runtime/oci-run';
import type { OciRuntime } from '../runtime/oci-runtime';

/** Runtime ids of light steps start with this, so a later daemon knows what to stop. */
const STEP_PREFIX = 'berth-build-';

export interface LightStepDeps {
  images: ImageService;
  containers: Pick<ContainerService, 'create'>;
  networking: ContainerNetworking;
  oci: OciRuntime;
  /** the runtime input's view of the containers (for the `container:` network and pid modes) */
  runtimeCtx: RuntimeInputContext;
  dataRoot: string;
  execRoot: string;
  logger: Logger;
}

const view = (rec: ImageRecord): BuildImage => ({ id: rec.id, config: rec.config.config ?? {}, layers: rec.chainIds.length });

/** A container record that is never stored: what the network and runtime-spec code read. */
function stepRecord(id: string, spec: ContainerSpec, imgCfg: ImageConfigConfig, rootfs: string, bundle: string): ContainerRecord {
  const [cmd, ...args] = spec.cmd ?? [];
  return {
    id,
    name: `build-step-${id.slice(0, 12)}`,
    created: new Date().toISOString(),
    spec,
    imageId: spec.image,
    path: cmd ?? '',
    args,
    env: mergeEnv(imgCfg.Env ?? [], spec.env),
    workingDir: spec.workingDir || imgCfg.WorkingDir || '/',
    user: spec.user ?? imgCfg.User ?? '',
    hostname: id.slice(0, 12),
    state: { status: 'created', pid: 0, exitCode: 0, error: '', startedAt: ZERO_TIME, finishedAt: ZERO_TIME, oomKilled: false, restartCount: 0, stoppedByUser: false },
    rootfs,
    logPath: '',
    networks: {},
    ports: {},
    resolvConfPath: path.join(bundle, 'resolv.conf'),
    hostnamePath: path.join(bundle, 'hostname'),
    hostsPath: path.join(bundle, 'hosts'),
    mountPoints: spec.host.mounts.map((m) => ({
      type: m.type === 'tmpfs' ? 'tmpfs' : 'bind',
      name: '',
      source: m.source,
      destination: m.target,
      mode: '',
      rw: !m.readOnly,
      propagation: m.type === 'bind' ? 'rprivate' : '',
      copyData: false,
      anonymous: false,
      ...(m.options?.length ? { options: m.options } : {}),
    })),
  };
}

const noop = (): void => undefined;

/** How long a sealed step's commit waits for the next step to start, at most (the executor announced one). */
const DEFER_COMMIT_MS = 50;

/**
 * A RUN step's changes, sealed (unmounted, trimmed) while their commit runs on: the next RUN of the
 * stage mounts them as its top lower dir meanwhile, so a step's packing, hashing and fsyncs overlap
 * the next step instead of delaying it. The upper dir moves into the layer store when its commit
 * adopts it; `lock` keeps that move and a mount reading the dir's path from crossing.
 */
class Sealed implements SealedStep {
  readonly image: Promise<BuildImage>;
  readonly record: Promise<ImageRecord>;
  private lock: Promise<void> = Promise.resolve();
  private moved = false;

  private readonly begin: () => void;

  /**
   * `upper`: the dir a next step can mount; 'unchanged': the step made no layer; absent: its layer is
   * unpacked from its tar (overlay redirects). `deferred`: the commit waits until a next step on it has
   * started (go()), or a moment: packing a tar is the daemon thread's work, as is a step's start.
   */
  constructor(
    private readonly deps: LightStepDeps,
    readonly base: StepBase,
    private readonly upper: string | 'unchanged' | undefined,
    readonly config: ImageConfigConfig,
    commit: (sealed: Sealed) => Promise<ImageRecord>,
    deferred: boolean,
  ) {
    let begin!: () => void;
    const begun = new Promise<void>((resolve) => (begin = resolve));
    this.begin = begin;
    this.record = begun.then(() => commit(this));
    this.record.catch(noop); // the builder sees the failure through `image`, or a next step's commit
    this.image = this.record.then(view);
    this.image.catch(noop);
    if (!deferred) begin();
    else setTimeout(begin, DEFER_COMMIT_MS).unref();
  }

  /** Starts the commit, if it waited. */
  go(): void {
    this.begin();
  }

  /** Runs `fn` (a mount) with this image's layer dirs, top-most first. */
  withLowers<T>(fn: (dirs: string[]) => Promise<T>): Promise<T> {
    const run = this.lock.then(async () => {
      const upper = this.upper;
      if (upper === 'unchanged') return withBaseLowers(this.deps, this.base, fn);
      if (upper === undefined || this.moved) return fn(await this.deps.images.layerDirs((await this.record).id));
      return withBaseLowers(this.deps, this.base, (below) => fn([upper, ...below]));
    });
    this.lock = run.then(noop, noop);
    return run;
  }

  /** The upper dir for the layer store to take: mounts wait until the commit moved it (or failed). */
  takeUpper(): Promise<string> {
    return new Promise((resolve) => {
      this.lock = this.lock.then(() => {
        resolve(this.upper as string);
        return this.record.then(
          () => void (this.moved = true),
          () => void (this.moved = true),
        );
      });
    });
  }
}

/** What a step runs on: a committed image, or the sealed changes of the step before it. */
type StepBase = ImageRecord | Sealed;

function withBaseLowers<T>(deps: LightStepDeps, base: StepBase, fn: (dirs: string[]) => Promise<T>): Promise<T> {
  return base instanceof Sealed ? base.withLowers(fn) : deps.images.layerDirs(base.id).then(fn);
}

async function baseId(base: StepBase): Promise<string> {
  return base instanceof Sealed ? (await base.record).id : base.id;
}

/**
 * The base's layers under a fresh upper dir, mounted at `<dir>/rootfs`; `undo` takes what
 * later phases add, and release() runs it all (in reverse).
 */
async function openTree(deps: LightStepDeps, base: StepBase, id: string, logger: Logger): Promise<{ rootfs: string; upperDir: string; dir: string; undo: Array<() => Promise<void>>; release: () => Promise<void> }> {
  const dir = path.join(stepsRoot(deps.dataRoot), id);
  const undo: Array<() => Promise<void>> = [];
  const release = async (): Promise<void> => {
    for (const u of undo.splice(0).reverse()) await u().catch((e: unknown) => logger.warn({ step: id, err: errorMessage(e) }, 'build step cleanup failed'));
  };
  const rootfs = path.join(dir, 'rootfs');
  const upperDir = path.join(dir, 'upper');
  try {
    undo.push(() => fs.rm(dir, { recursive: true, force: true }));
    await fs.mkdir(rootfs, { recursive: true });
    await withBaseLowers(deps, base, (lowerDirs) => mountOverlay({ lowerDirs, upperDir, workDir: path.join(dir, 'work'), target: rootfs }));
    undo.push(() => unmount(rootfs));
    return { rootfs, upperDir, dir, undo, release };
  } catch (e) {
    await release();
    throw e;
  }
}

/** The StepFs of an opened tree: paths resolved in the image's space, as `docker cp` resolves them. */
function treeFs(deps: LightStepDeps, base: StepBase, t: { rootfs: string; upperDir: string; dir: string; release: () => Promise<void> }, mountPoints: string[], onCommit?: () => void, mark: (phase: string) => void = () => undefined): StepFs & { seal(config: ImageConfigConfig, createdBy: string, nextRuns?: boolean): Promise<Sealed> } {
  const table: PathMount[] = [{ destination: '/', source: t.rootfs, rw: true }];
  return {
    async isDirectory(p) {
      const r = await resolveContainerPath(table, absContainerPath(p), diskProbe, { followLast: true });
      const st = await fs.stat(r.hostPath).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return undefined;
        throw e;
      });
      return st?.isDirectory();
    },
    async putArchive(tar) {
      const spool = path.join(t.dir, `put-${randomBytes(6).toString('hex')}.tar`);
      try {
        const opts = { noOverwriteDirNonDir: false, readonlyRootfs: false, fsTool: defaultBerthFsPath() };
        await spoolUpload(tar, spool);
        await checkArchive(spool, table, '/', opts);
        await extractArchive(spool, table, '/', opts);
      } finally {
        await fs.rm(spool, { force: true });
      }
    },
    async getArchive(p) {
      const abs = absContainerPath(p);
      const r = await resolveContainerPath(table, abs, diskProbe, { followLast: assertsDirectory(abs) });
      await fs.lstat(r.hostPath).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT' || e.code === 'ENOTDIR') throw new NotFoundError('file', p, `Could not find the file ${p} in the image`);
        throw e;
      });
      return packContainerPath(table, r.containerPath, goBase(abs));
    },
    async resolveOwner(spec) {
      const u = await resolveUser(t.rootfs, spec, []);
      return { uid: u.uid, gid: u.gid };
    },
    async commit(config, createdBy) {
      return view(await (await seal(config, createdBy)).record);
    },
    seal,
    release: t.release,
  };

  async function seal(config: ImageConfigConfig, createdBy: string, nextRuns = false): Promise<Sealed> {
    // nothing reads the tree through the mount any more: it goes while the upper dir is read
    const unmounting = unmount(t.rootfs);
    unmounting.catch(noop); // awaited below, or by release()
    const changes = await scanUpper(t.upperDir, mountPoints);
    mark('scan');
    const sealed = (upper: string | 'unchanged' | undefined, commit: (s: Sealed) => Promise<ImageRecord>) =>
      new Sealed(
        deps,
        base,
        upper,
        config,
        async (s) => {
          const rec = await commit(s);
          onCommit?.();
          return rec;
        },
        nextRuns && upper !== undefined,
      );
    // no change, no layer: a step that only ran something is a metadata step
    if (!changes.entries.length) {
      await unmounting;
      return sealed('unchanged', async () => deps.images.commit({ baseId: await baseId(base), config, createdBy }));
    }
    const xattrs = await readUpperXattrs(t.upperDir);
    mark('xattrs');
    // what overlayfs records only for features we do not mount with: such a dir is unpacked from its tar instead
    const plain = ![...xattrs.values()].some((a) => [...a.keys()].some((k) => /overlay\.(redirect|metacopy)$/.test(k)));
    await unmounting;
    if (!plain) return sealed(undefined, async () => deps.images.commit({ baseId: await baseId(base), layer: await packUpper(t.upperDir, changes, undefined, xattrs), config, createdBy }));
    await trimUpper(t.upperDir, changes);
    // the upper dir is the layer: its tar is only hashed and kept as the blob, never unpacked again
    return sealed(t.upperDir, async (s) => {
      const tar = await packUpper(t.upperDir, changes, undefined, xattrs);
      return deps.images.commit({ baseId: await baseId(base), adopt: { tar, takeDir: () => s.takeUpper(), size: changes.size, opaque: opaqueDirs(changes, xattrs) }, config, createdBy });
    });
  }
}

/** An image's filesystem for COPY, ADD and WORKDIR: mounted, nothing started. */
export async function openStepFs(deps: LightStepDeps, imageId: string): Promise<StepFs> {
  const image = await deps.images.resolve(imageId);
  const id = newId();
  return treeFs(deps, image, await openTree(deps, image, id, deps.logger), []);
}

/**
 * Runs one RUN step to its end. The returned run holds the mounted overlay (its upper dir is the
 * step's changes) until release(); a cancel kills the process and undoes everything.
 */
export async function runLightStep(deps: LightStepDeps, spec: ContainerSpec, on: string | SealedStep, onStart: (id: string) => void, onOutput: (chunk: Buffer) => void, signal?: AbortSignal): Promise<StepRun> {
  const t0 = performance.now();
  const phases: Record<string, number> = {};
  const mark = (name: string) => (phases[name] = Math.round(performance.now() - t0));
  if (typeof on !== 'string' && !(on instanceof Sealed)) throw new InternalError('a build step runs on an image or on a step this engine sealed', 'FOREIGN_STEP');
  const base: StepBase = typeof on === 'string' ? await deps.images.resolve(on) : on;
  const id = newId();
  const tree = await openTree(deps, base, id, deps.logger);
  const bundle = path.join(bundlesRoot(deps.execRoot), id);
  const rec = stepRecord(id, spec, base instanceof Sealed ? base.config : (base.config.config ?? {}), tree.rootfs, bundle);
  try {
    mark('mount');
    tree.undo.push(() => fs.rm(bundle, { recursive: true, force: true }));
    await fs.mkdir(bundle, { recursive: true, mode: 0o700 });
    const join = await deps.networking.setup(rec);
    tree.undo.push(() => deps.networking.teardown(rec));
    await Promise.all([
      fs.writeFile(rec.hostnamePath, `${rec.hostname}\n`),
      fs.writeFile(rec.hostsPath, join.hosts),
      fs.writeFile(rec.resolvConfPath, join.resolvConf),
    ]);
    const input = await buildRuntimeInput(deps.runtimeCtx, rec, join);
    await fs.writeFile(path.join(bundle, 'config.json'), JSON.stringify(generateRuntimeSpec(input, await hostFacts())));
    mark('spec');
    await join.ready;
    mark('network');
    onStart(id);
    if (base instanceof Sealed) base.go(); // this step's start is done with the daemon's thread
    const exitCode = await runToEnd(deps.oci, { id: STEP_PREFIX + id, bundleDir: bundle, onOutput, signal });
    mark('run');
    const mountPoints = [...RUNTIME_MOUNT_POINTS, ...spec.host.mounts.map((m) => m.target)];
    const onCommit = () => {
      mark('commit');
      deps.logger.debug({ step: id, phasesMs: phases }, 'build step done');
    };
    return {
      ...treeFs(deps, base, tree, mountPoints, onCommit, mark),
      id,
      exitCode,
      async keep() {
        // under the id the step announced (" ---> Running in"), as the classic builder's container is
        const { id: cid } = await deps.containers.create({ ...spec, image: await baseId(base) }, { id });
        const store = deps.runtimeCtx.store;
        const kept = store.resolve(cid);
        await unmount(tree.rootfs);
        const upper = path.join(store.containerDir(cid), 'rw', 'upper');
        await fs.rm(upper, { recursive: true, force: true });
        await fs.rename(tree.upperDir, upper);
        kept.state = { ...kept.state, status: 'exited', exitCode, startedAt: rec.created, finishedAt: new Date().toISOString() };
        await store.save(kept);
      },
    };
  } catch (e) {
    if (base instanceof Sealed) base.go();
    await tree.release();
    throw e;
  }
}

function stepsRoot(dataRoot: string): string {
  return path.join(dataRoot, 'builder', 'steps');
}

function bundlesRoot(execRoot: string): string {
  return path.join(execRoot, 'build-steps');
}

/**
 * Boot repair: the steps a killed daemon was running. Their processes are killed (`runc run`
 * outlives its parent), their overlays unmounted, their directories removed. Network sandboxes
 * are the network service's recover(): a step is never a live container.
 */
export async function removeStepLeftovers(runtimes: OciRuntime[], dataRoot: string, execRoot: string, logger: Logger): Promise<void> {
  const roots = new Set<string>();
  for (const oci of runtimes) {
    if (roots.has(oci.root)) continue;
    roots.add(oci.root);
    const ids = await fs.readdir(oci.root).catch(() => [] as string[]);
    for (const rid of ids.filter((n) => n.startsWith(STEP_PREFIX))) {
      await oci.delete(rid, true).catch((e: unknown) => logger.warn({ step: rid, err: errorMessage(e) }, 'removing a leftover build step failed'));
    }
  }
  const steps = stepsRoot(dataRoot);
  for (const id of await fs.readdir(steps).catch(() => [] as string[])) await unmount(path.join(steps, id, 'rootfs'));
  await fs.rm(steps, { recursive: true, force: true });
  await fs.rm(bundlesRoot(execRoot), { recursive: true, force: true });
}

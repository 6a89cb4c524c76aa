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
import { errorMessage, NotFoundError } from '../base/errors';
import { newId } from '../base/ids';
import type { BuildImage, StepFs, StepRun } from '../builder/ports';
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
function stepRecord(id: string, spec: ContainerSpec, image: ImageRecord, rootfs: string, bundle: string): ContainerRecord {
  const imgCfg = image.config.config ?? {};
  const [cmd, ...args] = spec.cmd ?? [];
  return {
    id,
    name: `build-step-${id.slice(0, 12)}`,
    created: new Date().toISOString(),
    spec,
    imageId: image.id,
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

/**
 * The image's layers under a fresh upper dir, mounted at `<dir>/rootfs`; `undo` takes what
 * later phases add, and release() runs it all (in reverse).
 */
async function openTree(deps: LightStepDeps, image: ImageRecord, id: string, logger: Logger): Promise<{ rootfs: string; upperDir: string; dir: string; undo: Array<() => Promise<void>>; release: () => Promise<void> }> {
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
    await mountOverlay({ lowerDirs: await deps.images.layerDirs(image.id), upperDir, workDir: path.join(dir, 'work'), target: rootfs });
    undo.push(() => unmount(rootfs));
    return { rootfs, upperDir, dir, undo, release };
  } catch (e) {
    await release();
    throw e;
  }
}

/** The StepFs of an opened tree: paths resolved in the image's space, as `docker cp` resolves them. */
function treeFs(deps: LightStepDeps, image: ImageRecord, t: { rootfs: string; upperDir: string; dir: string; release: () => Promise<void> }, mountPoints: string[], onCommit?: () => void, mark: (phase: string) => void = () => undefined): StepFs {
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
      // nothing reads the tree through the mount any more: it goes while the upper dir is read
      const unmounting = unmount(t.rootfs);
      unmounting.catch(() => undefined); // awaited below, or by release()
      const changes = await scanUpper(t.upperDir, mountPoints);
      mark('scan');
      // no change, no layer: a step that only ran something is a metadata step
      if (!changes.entries.length) return done(await deps.images.commit({ baseId: image.id, config, createdBy }));
      const xattrs = await readUpperXattrs(t.upperDir);
      mark('xattrs');
      const tar = await packUpper(t.upperDir, changes, undefined, xattrs);
      // what overlayfs records only for features we do not mount with: such a dir is unpacked from its tar instead
      const plain = ![...xattrs.values()].some((a) => [...a.keys()].some((k) => /overlay\.(redirect|metacopy)$/.test(k)));
      if (!plain) return done(await deps.images.commit({ baseId: image.id, layer: tar, config, createdBy }));
      // the upper dir is the layer: its tar is only hashed and kept as the blob, never unpacked again
      const takeDir = async (): Promise<string> => {
        await unmounting;
        await trimUpper(t.upperDir, changes);
        return t.upperDir;
      };
      return done(await deps.images.commit({ baseId: image.id, adopt: { tar, takeDir, size: changes.size, opaque: opaqueDirs(changes, xattrs) }, config, createdBy }));
    },
    release: t.release,
  };
  function done(rec: ImageRecord): BuildImage {
    const img = view(rec);
    onCommit?.();
    return img;
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
export async function runLightStep(deps: LightStepDeps, spec: ContainerSpec, onStart: (id: string) => void, onOutput: (chunk: Buffer) => void, signal?: AbortSignal): Promise<StepRun> {
  const t0 = performance.now();
  const phases: Record<string, number> = {};
  const mark = (name: string) => (phases[name] = Math.round(performance.now() - t0));
  const image = await deps.images.resolve(spec.image);
  const id = newId();
  const tree = await openTree(deps, image, id, deps.logger);
  const bundle = path.join(bundlesRoot(deps.execRoot), id);
  const rec = stepRecord(id, spec, image, tree.rootfs, bundle);
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
    const exitCode = await runToEnd(deps.oci, { id: STEP_PREFIX + id, bundleDir: bundle, onOutput, signal });
    mark('run');
    const mountPoints = [...RUNTIME_MOUNT_POINTS, ...spec.host.mounts.map((m) => m.target)];
    const onCommit = () => {
      mark('commit');
      deps.logger.debug({ step: id, phasesMs: phases }, 'build step done');
    };
    return {
      ...treeFs(deps, image, tree, mountPoints, onCommit, mark),
      id,
      exitCode,
      async keep() {
        // under the id the step announced (" ---> Running in"), as the classic builder's container is
        const { id: cid } = await deps.containers.create(spec, { id });
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

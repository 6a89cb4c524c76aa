/**
 * `docker start`: mount the rootfs, join the network, write the runtime config,
 * have conmon create the container, plug in waiting attaches, then start it.
 * Any failure undoes what this start did, so a failed start leaks nothing.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { FailedPreconditionError, InternalError, NotModifiedError, RuntimeStartError, isBerthError } from '../base/errors';
import { generateRuntimeSpec } from '../runtime/oci-spec';
import { mountOverlay, unmount, isMounted } from '../platform/mount';
import type { RuntimeSpecInput } from '../runtime/types';
import type { ContainerContext, NetworkJoin } from './context';
import { bundleDir, cgroupsPathOf, publishContainerEvent } from './context';
import { rootlessCgroupsPath } from './rootless';
import { canStart, isRunning } from './status';
import type { ContainerRecord } from './types';
import { resolveUser } from './user';
import { processEnv } from './env';
import { hostFacts } from './host-facts';
import { removeLocked } from './remove';
import { resolveContainerPath } from './path-resolve';
import { diskProbe } from './archive-extract';
import { mountImages, mountPointsOf, prepareVolumes, releaseVolumes, runtimeMounts, unmountImages, withSubpaths } from './mounts';
import { chownToRemappedRoot, mkdirForRemappedRoot, remapOf } from './userns';
import type { UsernsRemap } from '../platform/idmap';


/** Docker mounts tini as /sbin/docker-init for --init. */
export const INIT_BINARY = '/usr/bin/tini-static';
export const INIT_PATH = '/sbin/docker-init';

export async function startContainer(ctx: ContainerContext, ref: string): Promise<void> {
  const rec = ctx.store.resolve(ref);
  try {
    await ctx.locks.run(rec.id, () => startLocked(ctx, rec));
  } catch (e) {
    // Docker removes an --rm container whose start failed; `run --rm` waits for that removal.
    if (rec.spec.host.autoRemove && !(e instanceof NotModifiedError) && ctx.store.get(rec.id)) {
      await ctx.locks.run(rec.id, () => removeLocked(ctx, rec, { force: true, volumes: true })).catch(() => undefined);
    }
    throw e;
  }
}

/** opts.fromRestarting: the restart policy's start, of a container that stays `restarting` until it runs. */
export async function startLocked(ctx: ContainerContext, rec: ContainerRecord, opts: { fromRestarting?: boolean } = {}): Promise<void> {
  if (!(opts.fromRestarting && rec.state.status === 'restarting')) {
    if (isRunning(rec.state.status)) throw new NotModifiedError('container already started', 'ALREADY_STARTED');
    if (!canStart(rec.state.status)) throw new FailedPreconditionError(`cannot start a container in state ${rec.state.status}`);
  }
  const undo: Array<() => Promise<void>> = [];
  const t0 = performance.now();
  const phases: Record<string, number> = {};
  const mark = (name: string) => (phases[name] = Math.round(performance.now() - t0));
  try {
    await mountRootfs(ctx, rec);
    mark('mount');
    undo.push(() => unmount(rec.rootfs));
    await prepareVolumes(ctx, rec);
    undo.push(() => releaseVolumes(ctx, rec));
    // undone first thing: a second image mount that fails leaves the first one mounted
    undo.push(() => unmountImages(ctx, rec));
    await mountImages(ctx, rec);
    mark('volumes');
    const join = await ctx.networking.setup(rec);
    undo.push(() => ctx.networking.teardown(rec));
    mark('network');
    await writeEtcFiles(rec, join);
    const remap = remapOf(ctx, rec);
    if (remap) await chownToRemappedRoot(remap, [rec.hostnamePath, rec.hostsPath, rec.resolvConfPath]);
    const input = await buildRuntimeInput(ctx, rec, join);
    const spec = generateRuntimeSpec(input, await hostFacts(rec.spec.host.devices.map((d) => d.pathOnHost)));
    const bundle = bundleDir(ctx, rec.id);
    await fs.mkdir(bundle, { recursive: true });
    // runtime state on the exec root (tmpfs): rewritten at every start, so no fsync
    await fs.writeFile(path.join(bundle, 'config.json'), JSON.stringify(spec));
    undo.push(() => fs.rm(bundle, { recursive: true, force: true }));
    mark('spec');
    // A new log per start would lose history; Docker appends, and so does conmon (to the driver's files:
    // the last run's pump finishes with its staging file first).
    await ctx.logs.settle(rec.id);
    const { pid } = await ctx.runtime.create({
      id: rec.id,
      bundleDir: bundle,
      log: ctx.logs.runtimeLog(rec),
      terminal: rec.spec.tty,
      stdin: rec.spec.openStdin,
      stdinOnce: rec.spec.stdinOnce,
    });
    undo.push(async () => {
      await ctx.runtime.delete(rec.id, true);
      await ctx.runtime.cleanup(rec.id);
    });
    mark('create');
    await join.ready;
    mark('plumbed');
    for (const s of ctx.attachHub.take(rec.id)) {
      s.connect(await ctx.runtime.attach(rec.id, { stdin: s.wantsStdin, endOnStdinEof: s.endOnStdinEof }));
    }
    if (rec.spec.host.consoleSize && rec.spec.tty) {
      const [h, w] = rec.spec.host.consoleSize;
      if (h > 0 && w > 0) await ctx.runtime.resize(rec.id, h, w).catch(() => undefined);
    }
    mark('attach');
    await ctx.runtime.start(rec.id);
    mark('start');
    rec.state = {
      ...rec.state,
      status: 'running',
      pid,
      exitCode: 0,
      error: '',
      startedAt: new Date().toISOString(),
      oomKilled: false,
      stoppedByUser: false,
    };
    await ctx.store.save(rec);
    mark('saved');
    ctx.logger.debug({ id: rec.id, phasesMs: phases }, 'container started');
    publishContainerEvent(ctx, rec, 'start');
    ctx.logs.pump(rec);
    // The process may have exited before we recorded it as running.
    void ctx.supervisor.check(rec.id);
  } catch (e) {
    for (const u of undo.reverse()) await u().catch(() => undefined);
    ctx.attachHub.finishAll(rec.id);
    if (e instanceof RuntimeStartError) {
      rec.state.exitCode = e.reason === 'not-found' ? 127 : e.reason === 'cannot-invoke' ? 126 : 128;
      rec.state.error = e.message;
      await ctx.store.save(rec).catch(() => undefined);
    }
    throw isBerthError(e) ? e : new RuntimeStartError(String((e as Error)?.message ?? e), 'other');
  }
}

/** Mounts the rootfs overlay unless mounted (start, and `docker cp` on a stopped container). */
export async function mountRootfs(ctx: ContainerContext, rec: ContainerRecord): Promise<void> {
  if (await isMounted(rec.rootfs)) return;
  const lowerDirs = await ctx.images.layerDirs(rec.imageId);
  const dir = ctx.store.containerDir(rec.id);
  const upperDir = path.join(dir, 'rw', 'upper');
  const remap = remapOf(ctx, rec);
  // the upper dir's root is the rootfs's root: the container's root must own it to write there
  if (remap) await chownToRemappedRoot(remap, [upperDir]);
  await mountOverlay({ lowerDirs, upperDir, workDir: path.join(dir, 'rw', 'work'), target: rec.rootfs, ...(remap && ctx.usernsFile ? { idmapUserns: ctx.usernsFile } : {}), ...(ctx.rootless ? { driver: ctx.rootless.storage } : {}) });
}

/** Regenerated at every start, so a crash can lose nothing: plain writes, no fsync. */
async function writeEtcFiles(rec: ContainerRecord, join: NetworkJoin): Promise<void> {
  await Promise.all([
    fs.writeFile(rec.hostnamePath, `${rec.hostname}\n`), // the host name alone, as dockerd (the domain is in /etc/hosts)
    fs.writeFile(rec.hostsPath, join.hosts),
    fs.writeFile(rec.resolvConfPath, join.resolvConf),
  ]);
}

/** What the runtime input needs of the container context (build steps give it without a container service). */
export type RuntimeInputContext = Pick<ContainerContext, 'usernsRemap' | 'usernsFile' | 'store' | 'rootless'>;

/** Resolved at start because the user and workdir live in the (now mounted) rootfs. */
export async function buildRuntimeInput(ctx: RuntimeInputContext, rec: ContainerRecord, join: NetworkJoin): Promise<RuntimeSpecInput> {
  const h = rec.spec.host;
  const remap = remapOf(ctx, rec);
  const user = await resolveUser(rec.rootfs, rec.user, h.groupAdd);
  await makeWorkingDir(rec.rootfs, rec.workingDir || '/', remap);

  const extraMounts: RuntimeSpecInput['extraMounts'] = [
    { destination: '/etc/resolv.conf', source: rec.resolvConfPath, type: 'bind', options: ['rbind', 'rprivate'] },
    { destination: '/etc/hostname', source: rec.hostnamePath, type: 'bind', options: ['rbind', 'rprivate'] },
    { destination: '/etc/hosts', source: rec.hostsPath, type: 'bind', options: ['rbind', 'rprivate'] },
  ];
  let args = [rec.path, ...rec.args];
  if (h.init) {
    extraMounts.push({ destination: INIT_PATH, source: INIT_BINARY, type: 'bind', options: ['bind', 'ro'] });
    args = [INIT_PATH, '--', ...args];
  }
  extraMounts.push(...runtimeMounts(await withSubpaths(mountPointsOf(rec))));
  const env = processEnv({ env: rec.env, hostname: rec.hostname, tty: rec.spec.tty, home: user.home });
  const pidMode = h.pidMode === 'host' ? 'host' : h.pidMode.startsWith('container:') ? nsPath(ctx, h.pidMode, 'pid') : 'private';
  const ipcMode = h.ipcMode === 'host' ? 'host' : h.ipcMode.startsWith('container:') ? nsPath(ctx, h.ipcMode, 'ipc') : 'private';
  return {
    id: rec.id,
    rootfs: rec.rootfs,
    readonlyRootfs: h.readonlyRootfs,
    args,
    env,
    cwd: rec.workingDir || '/',
    user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
    terminal: rec.spec.tty,
    consoleSize: h.consoleSize && h.consoleSize[0] > 0 ? { height: h.consoleSize[0], width: h.consoleSize[1] } : undefined,
    hostname: rec.hostname,
    domainname: rec.spec.domainname,
    extraMounts,
    namespaces: { network: join.netns, pid: pidMode, ipc: ipcMode, uts: h.utsMode === 'host' ? 'host' : 'private' },
    privileged: h.privileged,
    writableCgroups: writableCgroups(h.securityOpt),
    ...(h.maskedPaths ? { maskedPaths: h.maskedPaths } : {}),
    ...(h.readonlyPaths ? { readonlyPaths: h.readonlyPaths } : {}),
    capAdd: h.capAdd,
    capDrop: h.capDrop,
    noNewPrivileges: h.securityOpt.some((o) => /^no-new-privileges(:true|=true)?$/.test(o)),
    securityOpt: h.securityOpt,
    cgroupsPath: ctx.rootless ? rootlessCgroupsPath(ctx.rootless.cgroups, rec.id) : cgroupsPathOf(rec.id),
    ...(ctx.rootless ? { rootless: true } : {}),
    resources: resourcesOf(h),
    ulimits: h.ulimits,
    shmSize: h.shmSize,
    sysctls: h.sysctls,
    tmpfs: h.tmpfs,
    devices: h.devices,
    ...(remap ? { userns: { path: ctx.usernsFile, uidMappings: remap.uidMappings, gidMappings: remap.gidMappings } } : {}),
    // the user's annotations (API 1.43) first; the stop signal is ours to say
    annotations: { ...(h.annotations ?? {}), 'org.opencontainers.image.stopSignal': rec.spec.stopSignal ?? 'SIGTERM' },
  };
}

/**
 * Docker creates the working directory when it does not exist, resolved in the rootfs as the
 * container will see it: an image's symlink (`/evil -> /`) must not lead the mkdir onto the host.
 */
/** Docker creates the working directory when it does not exist: resolved inside the rootfs (an image's symlinks must not lead out). */
async function makeWorkingDir(rootfs: string, workingDir: string, remap: UsernsRemap | undefined): Promise<void> {
  const { hostPath } = await resolveContainerPath([{ destination: '/', source: rootfs, rw: true }], path.posix.join('/', workingDir), diskProbe, { followLast: true });
  await mkdirForRemappedRoot(remap, hostPath);
}

function nsPath(ctx: RuntimeInputContext, mode: string, ns: string): string {
  const other = ctx.store.resolve(mode.slice(mode.indexOf(':') + 1));
  // dockerd's words and kind: a start that cannot join is a system error (500), not the caller's conflict
  if (other.state.status !== 'running') throw new InternalError(`failed to join ${ns.toUpperCase()} namespace: container ${other.id} is not running`, 'JOIN_NAMESPACE');
  return `/proc/${other.state.pid}/ns/${ns}`;
}

/** The cgroup limits of a host spec, as the runtime input takes them (start, and `docker update`). */
export function resourcesOf(h: ContainerRecord['spec']['host']): RuntimeSpecInput['resources'] {
  return {
    memory: h.memory,
    memorySwap: h.memorySwap,
    memoryReservation: h.memoryReservation,
    nanoCpus: h.nanoCpus,
    cpuShares: h.cpuShares,
    cpuQuota: h.cpuQuota,
    cpuPeriod: h.cpuPeriod,
    cpusetCpus: h.cpusetCpus,
    cpusetMems: h.cpusetMems,
    pidsLimit: h.pidsLimit,
    oomKillDisable: h.oomKillDisable,
  };
}

/** `writable-cgroups[=bool]`: the last one given wins; undefined when none was. */
export function writableCgroups(securityOpt: string[]): boolean | undefined {
  let out: boolean | undefined;
  for (const o of securityOpt) {
    if (o === 'writable-cgroups') out = true;
    else if (/^writable-cgroups[=:]/.test(o)) out = ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(o.slice('writable-cgroups='.length));
  }
  return out;
}

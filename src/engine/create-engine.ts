/**
 * createEngine: wires the services into the facade used by the daemon, the
 * API and library users. The composition happens here and nowhere else.
 */
import { createBuildService, removeBuildLeftovers } from './builds';
import { removeStepLeftovers } from './build-steps';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EventBus } from '../base/events';
import { newId } from '../base/ids';
import { silentLogger, type Logger } from '../base/logger';
import { Containers } from '../container/index';
import { BUILTIN_DEFAULT_LOG_CONFIG, LOG_DRIVERS, validateLogConfig } from '../container/logs/config';
import { logHostFacts } from '../container/logs/service';
import { createImageService } from '../image/index';
import type { ImageService } from '../image/types';
import { createRuntime } from '../runtime/conmon';
import { probeStepRuntime, type ComponentVersion } from '../runtime/oci-runtime';
import { readTiniVersion } from '../runtime/tini';
import { INIT_BINARY } from '../container/start';
import { nativeToolPath } from '../platform/native-tool';
import { ContainerStore } from '../state/container-store';
import { readJson, writeJsonAtomic } from '../state/atomic-file';
import { detectCgroupVersion, holdFreezerKey } from '../platform/cgroups';
import { checkRemappedRootReaches, remappedRoot, resolveUsernsRemap } from '../platform/idmap';
import { holdUsernsFile, releaseUsernsFile } from '../platform/userns-file';
import { probeIdmappedOverlay, probeRootlessStorage, type StorageDriver } from '../platform/mount';
import type { RootlessFacts } from '../platform/rootless';
import { decideDelegation, prepareDelegatedCgroup, readCgroupFacts } from '../platform/rootless-cgroups';
import { PastaNetworking } from './pasta-networking';
import { RootlessNetworking } from './rootless-networking';
import { commandExists } from '../platform/spawn';
import { InvalidArgumentError, UnavailableError, errorMessage } from '../base/errors';
import { EngineNetworking } from './networking';
import { NetavarkBridge } from './bridge-networking';
import { createNetworkService } from '../network/index';
import { createVolumeService } from '../volume/index';
import { createKubeService } from '../kube/index';
import { connectContainer, disconnectContainer, type ConnectOptions } from './network-ops';
import { BERTH_VERSION, type ActionKind, type Engine, type EngineConfig, type EngineMetrics, type SystemInfo } from './types';
import { createEngineMetrics } from './metrics';

export interface EngineDeps {
  logger?: Logger;
}

export async function createEngine(config: EngineConfig, deps: EngineDeps = {}): Promise<Engine> {
  const logger = deps.logger ?? silentLogger;
  await fs.mkdir(config.dataRoot, { recursive: true, mode: 0o711 });
  await fs.mkdir(config.execRoot, { recursive: true, mode: 0o711 });
  const logDefaults = config.logConfig ?? BUILTIN_DEFAULT_LOG_CONFIG;
  validateLogConfig(logDefaults, logHostFacts()); // a daemon with a bad default refuses to start, as dockerd does
  // before anything else is made: a bad value, or a kernel that cannot do it, leaves no state behind
  if (config.rootless && config.usernsRemap) throw new InvalidArgumentError('--userns-remap is not supported in rootless mode: the rootless daemon already runs in a user namespace');
  const wanted = storageDriverOf(config);
  const rootless = config.rootless ? await rootlessFacts(config.execRoot, logger, wanted) : undefined;
  const usernsRemap = config.usernsRemap ? await resolveUsernsRemap(config.usernsRemap) : undefined;
  let usernsFile: string | undefined;
  if (usernsRemap) {
    await checkRemappedRootReaches(config.dataRoot, remappedRoot(usernsRemap));
    usernsFile = await holdUsernsFile(config.execRoot, usernsRemap);
    await probeIdmappedOverlay(config.execRoot, usernsFile).catch(async (e: unknown) => {
      await releaseUsernsFile(config.execRoot);
      throw e;
    });
    logger.info({ user: usernsRemap.user, group: usernsRemap.group, uidMappings: usernsRemap.uidMappings, gidMappings: usernsRemap.gidMappings }, 'user namespace remapping enabled');
  }
  const events = new EventBus();
  const store = await ContainerStore.open(config.dataRoot);
  // runc, already in the user namespace, resolves the rootfs and /etc files as the remapped root:
  // dockerd's answer, a 0710 containers dir whose group is that root's
  const containersGid = usernsRemap ? remappedRoot(usernsRemap).gid : 0;
  if ((await fs.stat(store.dir)).gid !== containersGid) await fs.chown(store.dir, 0, containersGid);
  // rmi asks the container service which containers use an image; it exists only after images, hence the late binding.
  let containers: Containers | undefined;
  const images: ImageService = await createImageService({
    dataRoot: config.dataRoot,
    logger: logger.child({ module: 'image' }),
    events,
    usage: (imageId) => containers?.usersOfImage(imageId) ?? [],
    registry: { insecureRegistries: config.insecureRegistries ?? [], registryMirrors: config.registryMirrors ?? [] },
    ...(config.signaturePolicy ? { signaturePolicy: config.signaturePolicy } : {}),
  });
  const runtime = await createRuntime({
    execRoot: config.execRoot,
    runtime: (config.runtime as 'auto' | 'runc' | 'crun' | undefined) ?? 'auto',
    logger: logger.child({ module: 'runtime' }),
  });
  const networks = await createNetworkService({
    dataRoot: config.dataRoot,
    execRoot: config.execRoot,
    logger: logger.child({ module: 'network' }),
    events,
    defaultBridge: config.defaultBridge,
    ...(usernsFile ? { usernsFile } : {}),
    ...(rootless ? { rootless: true } : {}),
  });
  const pasta = rootless ? new PastaNetworking(config.execRoot, networks) : undefined;
  const networking = new EngineNetworking(store, pasta ? new RootlessNetworking(pasta, new NetavarkBridge(networks)) : new NetavarkBridge(networks));
  // container records are the one source of volume references (any state holds one, as in Docker)
  const volumes = await createVolumeService({
    dataRoot: config.dataRoot,
    events,
    logger: logger.child({ module: 'volume' }),
    users: (name) => store.all().filter((r) => r.mountPoints?.some((m) => m.type === 'volume' && m.name === name)).map((r) => r.id),
  });
  containers = await Containers.open({
    store,
    images,
    runtime,
    networking,
    volumes,
    events,
    logger: logger.child({ module: 'container' }),
    dataRoot: config.dataRoot,
    execRoot: config.execRoot,
    logDefaults,
    ...(usernsRemap && usernsFile ? { usernsRemap, usernsFile } : {}),
    ...(rootless ? { rootless } : {}),
  });
  // After container recovery: what is still running keeps its endpoints, the rest is released.
  const live = new Set(store.all().filter((r) => r.state.status === 'running' || r.state.status === 'paused').map((r) => r.id));
  await networks.recover(live, await pasta?.recover(live));
  const engineId = await loadEngineId(config.dataRoot);
  const c = containers;
  await removeBuildLeftovers(config.dataRoot);
  // read once: the host's cgroup layout does not change while the daemon runs
  const cgroupVersion = await detectCgroupVersion();
  if (cgroupVersion === 1 && !rootless) await holdFreezerKey().catch((e: unknown) => logger.debug({ err: errorMessage(e) }, 'no frozen cgroup to hold the freezer on'));
  const stepOci = rootless ? runtime.oci : await probeStepRuntime(runtime.oci, (config.runtime as 'auto' | 'runc' | 'crun' | undefined) ?? 'auto', path.join(config.execRoot, 'crun-steps'), { v1view: nativeToolPath('berth-v1view') });
  if (stepOci !== runtime.oci) logger.info({ runtime: stepOci.name, launcher: stepOci.launcher }, 'build steps run under their own runtime');
  // the leftovers of steps a killed daemon ran, under either runtime (the choice may differ from its)
  await removeStepLeftovers([stepOci, runtime.oci], config.dataRoot, config.execRoot, logger);
  // remapped steps would need idmapped layers and a remapped upper dir, rootless ones pasta and runc's rootless
  // cgroups: both stay containers
  const lightSteps = usernsRemap || rootless ? undefined : { images, containers: c, networking, oci: stepOci, runtimeCtx: { store }, dataRoot: config.dataRoot, execRoot: config.execRoot, logger: logger.child({ module: 'build' }) };
  const builds = createBuildService(config.dataRoot, c, images, events, lightSteps);

  // read once, at the first ask: the binaries do not change under a running daemon (dockerd asks each time)
  let componentsRead: Promise<ComponentVersion[]> | undefined;
  const components = () =>
    (componentsRead ??= Promise.all([runtime.oci.version(), readTiniVersion(INIT_BINARY)]).then((vs) => vs.filter((v): v is ComponentVersion => v !== undefined)));

  async function info(): Promise<SystemInfo> {
    const all = await c.list({ all: true });
    const imgs = await images.list({});
    return {
      id: engineId,
      name: os.hostname(),
      containers: all.length,
      containersRunning: all.filter((x) => x.state === 'running').length,
      containersPaused: all.filter((x) => x.state === 'paused').length,
      containersStopped: all.filter((x) => x.state !== 'running' && x.state !== 'paused').length,
      images: imgs.length,
      dataRoot: config.dataRoot,
      execRoot: config.execRoot,
      runtime: runtime.name,
      cgroupVersion: cgroupVersion === 2 ? '2' : '1',
      kernelVersion: os.release(),
      operatingSystem: await osName(),
      osType: 'linux',
      architecture: os.arch() === 'x64' ? 'x86_64' : os.arch(),
      ncpu: os.cpus().length,
      memTotal: os.totalmem(),
      serverVersion: BERTH_VERSION,
      loggingDriver: logDefaults.type,
      logDrivers: LOG_DRIVERS.filter((d) => d !== 'journald' || logHostFacts().journald),
      usernsRemap: usernsRemap !== undefined,
      rootless: rootless !== undefined,
      storageDriver: rootless?.storage === 'fuse-overlayfs' ? 'fuse-overlayfs' : 'overlay2',
      components: await components(),
    };
  }
  const kube = createKubeService({ containers: c, images, networks, volumes, events, logger: logger.child({ module: 'kube' }) });
  const metrics = createEngineMetrics({ containers: c, events, info, graphDriver: rootless?.storage === 'fuse-overlayfs' ? 'fuse-overlayfs' : 'overlay2' });
  timeActions(metrics, c, 'container', { create: 'create', start: 'start', remove: 'delete', commit: 'commit', changes: 'changes' });
  timeActions(metrics, images, 'image', { remove: 'delete', tag: 'tag', pull: 'pull', push: 'push', load: 'load', importRootfs: 'import' });
  timeActions(metrics, networks, 'network', { create: 'create', remove: 'delete', connect: 'connect', disconnect: 'disconnect' });

  return {
    containers: c,
    images,
    networks,
    volumes,
    builds,
    kube,
    events,
    config,
    runtimeName: runtime.name,
    cgroupnsMode: cgroupVersion === 2 ? 'private' : 'host',
    connectNetwork: (net: string, container: string, opts: ConnectOptions) => connectContainer(networks, c, net, container, opts),
    disconnectNetwork: (net: string, container: string, force: boolean) => disconnectContainer(networks, c, net, container, force),
    metrics,
    info,
    async close(): Promise<void> {
      // a rootless daemon's namespaces (its mounts) end with it: its containers stop with it, as rootless dockerd's do
      if (rootless) await stopAll(c, logger);
      kube.close();
      await c.close();
      await networks.close();
      // running containers keep the namespace for a later daemon (and their exec)
      if (usernsFile && !store.all().some((r) => r.state.status === 'running' || r.state.status === 'paused')) await releaseUsernsFile(config.execRoot);
    },
  };
}

async function stopAll(c: Containers, logger: Logger): Promise<void> {
  const running = (await c.list({ all: false })).map((x) => x.id);
  // each container's own stop timeout (--stop-timeout, else 10 s), as dockerd's shutdown does
  await Promise.all(running.map((id) => c.stop(id, {}).catch((e: unknown) => logger.warn({ container: id, err: errorMessage(e) }, 'stopping a container at shutdown failed'))));
}

/** What a rootless daemon can use here, decided once at start and logged. */
/** The storage driver asked for, in the mount layer's terms; fuse-overlayfs serves only a rootless daemon. */
function storageDriverOf(config: EngineConfig): StorageDriver | undefined {
  const d = config.storageDriver;
  if (d === undefined || d === '') return undefined;
  if (d === 'overlay2' || d === 'overlay') return 'overlay';
  if (d === 'fuse-overlayfs' && config.rootless) return 'fuse-overlayfs';
  throw new InvalidArgumentError(d === 'fuse-overlayfs' ? 'the fuse-overlayfs storage driver is for rootless mode: a daemon run as root uses overlay2' : `error initializing graphdriver: driver not supported: ${d}`);
}

async function rootlessFacts(execRoot: string, logger: Logger, wanted: StorageDriver | undefined): Promise<RootlessFacts> {
  if (!(await commandExists('pasta'))) throw new UnavailableError('rootless mode needs pasta for container networking (Debian package passt)');
  const storage = await probeRootlessStorage(execRoot, wanted);
  const cgroups = decideDelegation(await readCgroupFacts());
  if (cgroups.kind === 'v2') await prepareDelegatedCgroup(cgroups);
  const facts: RootlessFacts = { storage, cgroups, network: 'pasta' };
  logger.info({ storage, cgroups: cgroups.kind === 'v2' ? `${cgroups.parent} (${cgroups.controllers.join(' ')})` : `none: ${cgroups.reason}`, network: facts.network }, 'rootless mode');
  return facts;
}

/** Wraps the named methods of a service so each call's duration lands in engine_daemon_<kind>_actions_seconds. */
function timeActions<S extends object>(metrics: EngineMetrics, svc: S, kind: ActionKind, methods: Partial<Record<keyof S, string>>): void {
  for (const [method, action] of Object.entries(methods) as Array<[keyof S, string]>) {
    const orig = svc[method] as unknown as (...a: unknown[]) => Promise<unknown>;
    Object.defineProperty(svc, method, { value: (...a: unknown[]) => metrics.time(kind, action, () => orig.apply(svc, a)), configurable: true, writable: true });
  }
}

async function loadEngineId(dataRoot: string): Promise<string> {
  const file = path.join(dataRoot, 'engine-id.json');
  const existing = await readJson<{ id: string }>(file);
  if (existing?.id) return existing.id;
  const id = newId().slice(0, 48).toUpperCase().match(/.{4}/g)!.join(':');
  await writeJsonAtomic(file, { id });
  return id;
}

async function osName(): Promise<string> {
  const txt = await fs.readFile('/etc/os-release', 'utf8').catch(() => '');
  return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(txt)?.[1] ?? 'Linux';
}

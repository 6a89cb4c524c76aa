/**
 * The engine's build service: builder/'s ports implemented with the container
 * and image services (a step is an ordinary container, as with Docker's
 * classic builder), and the context tar unpacked in a temp dir per build.
 */
import type { EventBus } from '../base/events';
import { createWriteStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { InvalidArgumentError, NotFoundError } from '../base/errors';
import { FileBuildCache } from '../builder/cache';
import { CacheMounts } from '../builder/cache-mounts';
import { extractTar } from '../builder/context/extract';
import { runBuild, type BuildOptions } from '../builder/executor';
import type { BuildImage, BuildPorts, SealedStep, StepProcess } from '../builder/ports';
import { defaultContainerSpec, type ContainerSpec } from '../container/spec';
import { openStepFs, runLightStep, type LightStepDeps } from './build-steps';
import type { ContainerService } from '../container/types';
import { resolveUserSpec } from '../container/user';
import type { ImageRecord, ImageService } from '../image/types';
import { normalizeTag } from '../image/reference';
import { decompressed, peek } from '../layer/decompress';
import { lookupMerged } from '../layer/merged-lookup';

export type BuildRequest = Omit<BuildOptions, 'contextDir' | 'secrets' | 'cacheMounts'> & {
  /**
   * RUN --mount=type=secret sources: id → a file's path inside the context tar. The classic API
   * has no session to ask the client for secrets, so they travel in the context (as with Podman's
   * remote builds) and are taken out of it before any step can see them.
   */
  secrets?: Record<string, string>;
};

export interface BuildService {
  /** Builds from a context tar (plain or compressed); tags the result. */
  build(context: Readable, opts: BuildRequest): Promise<{ id: string }>;
  /** `docker builder prune`: forgets the cache index (the images stay until rmi/prune) and empties cache mounts */
  prune(): Promise<{ entries: number; bytes: number }>;
}

function view(rec: ImageRecord): BuildImage {
  return { id: rec.id, config: rec.config.config ?? {}, layers: rec.chainIds.length };
}

/** Go's os.ModeDir in the mode docker cp reports. */
const GO_MODE_DIR = 0x80000000;

async function readTarFile(src: Readable): Promise<string> {
  const ex = tar.extract();
  let text = '';
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (_h, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (!text) text = Buffer.concat(chunks).toString('utf8');
        next();
      });
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  src.pipe(ex);
  await done;
  return text;
}

/** A RUN step's process as a container spec (a step container's, and a light step's). */
function stepSpec(imageId: string, proc: StepProcess): ContainerSpec {
  const spec = defaultContainerSpec(imageId);
  spec.cmd = proc.cmd;
  spec.entrypoint = ['']; // the classic builder runs RUN without the image's ENTRYPOINT
  spec.env = proc.env;
  spec.user = proc.user || undefined;
  spec.workingDir = proc.workingDir || undefined;
  spec.host.networkMode = proc.networkMode || 'default';
  spec.host.mounts = (proc.mounts ?? []).map((m) =>
    m.type === 'bind'
      ? { type: 'bind', source: m.source, target: m.target, readOnly: m.readOnly }
      : { type: 'tmpfs', source: '', target: m.target, readOnly: false, options: m.sizeBytes ? [`size=${m.sizeBytes}`] : [] },
  );
  return spec;
}

/** `light`: what RUN steps need to run without a container (absent: every step is a container). */
export function createBuildPorts(containers: ContainerService, images: ImageService, light?: LightStepDeps): BuildPorts {
  const find = async (ref: string) => images.resolve(ref).then(view, (e: unknown) => {
    if (e instanceof NotFoundError) return undefined;
    throw e;
  });
  const readFile = async (cid: string, file: string) => containers.getArchive(cid, file).then((r) => readTarFile(r.tar), () => '');
  return {
    findImage: find,
    async imageLineage(ref) {
      const out: string[] = [];
      let rec: ImageRecord | undefined = await images.resolve(ref).catch(() => undefined);
      while (rec && !out.includes(rec.id)) {
        out.push(rec.id);
        rec = rec.parent ? await images.resolve(rec.parent).catch(() => undefined) : undefined;
      }
      return out;
    },
    async pullImage(ref, onStatus, signal) {
      const r = await images.pull(ref, { signal, onProgress: (ev) => (ev.type === 'status' ? onStatus(ev.status) : undefined) });
      return view(await images.resolve(r.id));
    },
    async commitImage(baseId, layer, config, createdBy, author) {
      return view(await images.commit({ baseId, layer, config, createdBy, author }));
    },
    async createStep(imageId: string, proc: StepProcess) {
      return (await containers.create(stepSpec(imageId, proc))).id;
    },
    ...(light
      ? {
          runLight: (on: string | SealedStep, proc: StepProcess, onStart: (id: string) => void, onOutput: (chunk: Buffer) => void, signal?: AbortSignal) =>
            // a sealed base's image id is not known yet: the spec names it once a failed step is kept
            runLightStep(light, stepSpec(typeof on === 'string' ? on : '', proc), on, onStart, onOutput, signal),
          openStepFs: (imageId: string) => openStepFs(light, imageId),
          // where steps are containers (rootless), every copy goes through one too
          async viewImage(imageId: string) {
            const layers = await images.layerViews(imageId);
            return layers && ((p: string) => lookupMerged(layers, p.replace(/^\/+/, '')));
          },
        }
      : {}),
    async runStep(cid, onOutput, signal) {
      const exit = containers.wait(cid, { condition: 'next-exit', signal });
      exit.catch(() => undefined);
      await containers.start(cid);
      for await (const e of containers.logs(cid, { follow: true, stdout: true, stderr: true, timestamps: false, signal })) onOutput(e.data);
      return (await exit).statusCode;
    },
    async isDirectory(cid, p) {
      try {
        let st = await containers.statPath(cid, p);
        if (st.linkTarget) st = await containers.statPath(cid, st.linkTarget);
        return (st.mode & GO_MODE_DIR) !== 0;
      } catch (e) {
        if (e instanceof NotFoundError) return undefined;
        throw e;
      }
    },
    putArchive: (cid, t) => containers.putArchive(cid, '/', t, { noOverwriteDirNonDir: false, copyUIDGID: false }),
    getArchive: async (cid, p) => (await containers.getArchive(cid, p)).tar,
    async resolveOwner(cid, spec) {
      const [passwd, group] = await Promise.all([readFile(cid, '/etc/passwd'), readFile(cid, '/etc/group')]);
      const u = resolveUserSpec(spec, passwd, group);
      return { uid: u.uid, gid: u.gid };
    },
    async commitStep(cid, config, createdBy) {
      return view(await containers.commit(cid, { config, createdBy, pause: false }));
    },
    removeStep: (cid) => containers.remove(cid, { force: true, volumes: true }),
    async tag(imageId, tags) {
      for (const t of tags) {
        const n = normalizeTag(t);
        const i = n.lastIndexOf(':');
        await images.tag(imageId, n.slice(0, i), n.slice(i + 1));
      }
    },
  };
}

export function createBuildService(dataRoot: string, containers: ContainerService, images: ImageService, events: EventBus, light?: LightStepDeps): BuildService {
  const cache = new FileBuildCache(dataRoot);
  const ports = createBuildPorts(containers, images, light);
  const tmpRoot = path.join(dataRoot, 'builder', 'tmp');
  const cacheMounts = new CacheMounts(path.join(dataRoot, 'builder', 'cache-mounts'));
  return {
    async build(context, { secrets: secretSources, ...opts }) {
      await fs.mkdir(tmpRoot, { recursive: true, mode: 0o700 });
      const dir = await fs.mkdtemp(path.join(tmpRoot, 'ctx-'));
      const secretDir = await fs.mkdtemp(path.join(tmpRoot, 'secrets-'));
      try {
        const plain = await decompressed(context);
        const head = await peek(plain, 512);
        // `docker build - < Dockerfile` sends the Dockerfile itself: an empty context around it
        if (head.length > 0 && !(head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar')) {
          await pipeline(plain, createWriteStream(path.join(dir, opts.dockerfile || 'Dockerfile')));
        } else await extractTar(plain, dir);
        await checkAgents(opts.ssh ?? {});
        const secrets = await takeSecrets(dir, secretSources ?? {}, secretDir);
        const img = await runBuild(ports, cache, { ...opts, contextDir: dir, tmpDir: tmpRoot, secrets, cacheMounts });
        return { id: img.id };
      } finally {
        await fs.rm(dir, { recursive: true, force: true });
        await fs.rm(secretDir, { recursive: true, force: true });
      }
    },
    async prune() {
      const entries = await cache.clear();
      const bytes = await cacheMounts.prune();
      events.publish({ type: 'builder', action: 'prune', id: '', attributes: { reclaimed: String(bytes) } });
      return { entries, bytes };
    },
  };
}

/** ssh agents are sockets on the daemon's host: a path that is none is refused before any step runs. */
async function checkAgents(agents: Record<string, string>): Promise<void> {
  for (const [id, sock] of Object.entries(agents)) {
    if (!/^[A-Za-z0-9_.-]+$/.test(id)) throw new InvalidArgumentError(`invalid ssh id ${JSON.stringify(id)}`, 'BAD_SSH');
    const st = await fs.stat(sock).catch(() => undefined);
    if (!st?.isSocket()) throw new InvalidArgumentError(`ssh ${id}: ${sock} is not a unix socket on the daemon's host (an SSH agent's socket is expected)`, 'BAD_SSH');
  }
}

/** Moves each secret out of the context into `into` (0600), and empty folders it leaves behind. */
async function takeSecrets(ctxDir: string, sources: Record<string, string>, into: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [id, src] of Object.entries(sources)) {
    if (!/^[A-Za-z0-9_.-]+$/.test(id)) throw new InvalidArgumentError(`invalid secret id ${JSON.stringify(id)}`, 'BAD_SECRET');
    const rel = path.posix.normalize(src.replace(/^\/+/, ''));
    if (rel === '.' || rel.startsWith('../')) throw new InvalidArgumentError(`secret ${id}: source ${src} is outside the build context`, 'BAD_SECRET');
    const from = path.join(ctxDir, rel);
    const st = await fs.lstat(from).catch(() => undefined);
    if (!st?.isFile()) throw new InvalidArgumentError(`secret ${id}: ${src} is not a file in the build context`, 'BAD_SECRET');
    const file = path.join(into, id);
    await fs.rename(from, file);
    await fs.chmod(file, 0o600);
    out[id] = file;
    for (let d = path.dirname(from); d !== ctxDir && d.startsWith(ctxDir); d = path.dirname(d)) {
      if (!(await fs.rmdir(d).then(() => true, () => false))) break;
    }
  }
  return out;
}

/** Boot repair: contexts of builds a killed daemon was running. */
export async function removeBuildLeftovers(dataRoot: string): Promise<void> {
  await fs.rm(path.join(dataRoot, 'builder', 'tmp'), { recursive: true, force: true });
}

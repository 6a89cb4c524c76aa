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
import { NotFoundError } from '../base/errors';
import { FileBuildCache } from '../builder/cache';
import { extractTar } from '../builder/context/extract';
import { runBuild, type BuildOptions } from '../builder/executor';
import type { BuildImage, BuildPorts, StepProcess } from '../builder/ports';
import { defaultContainerSpec } from '../container/spec';
import type { ContainerService } from '../container/types';
import { resolveUserSpec } from '../container/user';
import type { ImageRecord, ImageService } from '../image/types';
import { normalizeTag } from '../image/reference';
import { decompressed, peek } from '../layer/decompress';

export type BuildRequest = Omit<BuildOptions, 'contextDir'>;

export interface BuildService {
  /** Builds from a context tar (plain or compressed); tags the result. */
  build(context: Readable, opts: BuildRequest): Promise<{ id: string }>;
  /** `docker builder prune`: forgets the cache index (the images stay until rmi/prune) */
  prune(): Promise<{ entries: number }>;
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

export function createBuildPorts(containers: ContainerService, images: ImageService): BuildPorts {
  const find = async (ref: string) => images.resolve(ref).then(view, (e: unknown) => {
    if (e instanceof NotFoundError) return undefined;
    throw e;
  });
  const readFile = async (cid: string, file: string) => containers.getArchive(cid, file).then((r) => readTarFile(r.tar), () => '');
  return {
    findImage: find,
    async pullImage(ref, onStatus, signal) {
      const r = await images.pull(ref, { signal, onProgress: (ev) => (ev.type === 'status' ? onStatus(ev.status) : undefined) });
      return view(await images.resolve(r.id));
    },
    async commitImage(baseId, layer, config, createdBy, author) {
      return view(await images.commit({ baseId, layer, config, createdBy, author }));
    },
    async createStep(imageId: string, proc: StepProcess) {
      const spec = defaultContainerSpec(imageId);
      spec.cmd = proc.cmd;
      spec.entrypoint = ['']; // the classic builder runs RUN without the image's ENTRYPOINT
      spec.env = proc.env;
      spec.user = proc.user || undefined;
      spec.workingDir = proc.workingDir || undefined;
      spec.host.networkMode = proc.networkMode || 'default';
      return (await containers.create(spec)).id;
    },
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

export function createBuildService(dataRoot: string, containers: ContainerService, images: ImageService, events: EventBus): BuildService {
  const cache = new FileBuildCache(dataRoot);
  const ports = createBuildPorts(containers, images);
  const tmpRoot = path.join(dataRoot, 'builder', 'tmp');
  return {
    async build(context, opts) {
      await fs.mkdir(tmpRoot, { recursive: true, mode: 0o700 });
      const dir = await fs.mkdtemp(path.join(tmpRoot, 'ctx-'));
      try {
        const plain = await decompressed(context);
        const head = await peek(plain, 512);
        // `docker build - < Dockerfile` sends the Dockerfile itself: an empty context around it
        if (head.length > 0 && !(head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar')) {
          await pipeline(plain, createWriteStream(path.join(dir, opts.dockerfile || 'Dockerfile')));
        } else await extractTar(plain, dir);
        const img = await runBuild(ports, cache, { ...opts, contextDir: dir, tmpDir: tmpRoot });
        return { id: img.id };
      } finally {
        await fs.rm(dir, { recursive: true, force: true });
      }
    },
    async prune() {
      const entries = await cache.clear();
      // the cache index holds no bytes of its own: its images go with rmi/prune
      events.publish({ type: 'builder', action: 'prune', id: '', attributes: { reclaimed: '0' } });
      return { entries };
    },
  };
}

/** Boot repair: contexts of builds a killed daemon was running. */
export async function removeBuildLeftovers(dataRoot: string): Promise<void> {
  await fs.rm(path.join(dataRoot, 'builder', 'tmp'), { recursive: true, force: true });
}

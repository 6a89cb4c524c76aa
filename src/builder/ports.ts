/**
 * What the builder asks of the rest of the engine, declared here where it is
 * used (engine/build-steps.ts implements it with container/ and image/), so
 * build/ never reaches into container internals.
 */
import type { Readable } from 'node:stream';
import type { ImageConfigConfig } from '../protocol/oci/image';

export interface BuildImage {
  id: string;
  config: ImageConfigConfig;
  /** number of layers: 0 for scratch-based images that only set metadata */
  layers: number;
}

/** What a RUN step mounts: a host path (read-only or not) or a tmpfs. */
export type StepMount =
  | { type: 'bind'; source: string; target: string; readOnly: boolean }
  | { type: 'tmpfs'; target: string; sizeBytes?: number };

/** The process of a RUN step. */
export interface StepProcess {
  cmd: string[];
  env: string[];
  user: string;
  workingDir: string;
  networkMode: string;
  mounts?: StepMount[];
}

/**
 * An image's filesystem opened for one step without a container: an overlay with a fresh upper
 * dir, whose changes commit() makes the step's layer. release() unmounts and removes it (idempotent).
 */
export interface StepFs {
  /** whether `path` (resolved in the image, symlinks followed) is a directory; undefined when absent */
  isDirectory(path: string): Promise<boolean | undefined>;
  /** a tar extracted at "/", missing parent directories made 0755 */
  putArchive(tar: Readable): Promise<void>;
  /** a path as a tar named by its base name (docker cp) */
  getArchive(path: string): Promise<Readable>;
  /** "user[:group]" to numbers with the image's /etc/passwd and /etc/group */
  resolveOwner(spec: string): Promise<{ uid: number; gid: number }>;
  /** the changes as a new image on the opened one; no change makes no layer */
  commit(config: ImageConfigConfig, createdBy: string): Promise<BuildImage>;
  release(): Promise<void>;
}

/** An image's node as its layers record it (the fields a copy keeps of a directory it adds to). */
export interface ImagePathStat {
  mode: number;
  uid: number;
  gid: number;
  mtime: Date;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
  isFile(): boolean;
}

/** What an image holds at an absolute path, the last component not followed. */
export type ImagePathInfo =
  | { kind: 'absent' }
  /** `hostPath`: the node in the layer that holds it, never to be written */
  | { kind: 'entry'; stat: ImagePathStat; hostPath: string }
  /** a parent on the way is no directory (a symlink, a file): only a mounted tree can tell */
  | { kind: 'blocked' };

/**
 * A RUN step's changes sealed as its layer while their commit runs on: a next RUN can run on
 * them meanwhile (runLight), and nothing else should read the stage's image before `image` settles.
 */
export interface SealedStep {
  /** the step's image, once committed; rejects when the commit fails */
  readonly image: Promise<BuildImage>;
}

/** A RUN step run to its end on a StepFs. */
export interface StepRun extends StepFs {
  id: string;
  exitCode: number;
  /**
   * commit() that returns once the changes are sealed, the commit going on; `nextRuns`: a RUN on them
   * follows, whose start the commit may let go first
   */
  seal(config: ImageConfigConfig, createdBy: string, nextRuns?: boolean): Promise<SealedStep>;
  /** makes the (failed) step a stopped container holding its changes, as the classic builder leaves it; then release() */
  keep(): Promise<void>;
}

export interface BuildPorts {
  /** a local image by reference or id; undefined when there is none */
  findImage(ref: string): Promise<BuildImage | undefined>;
  /** the ids of an image and of every parent it was built on, nearest first */
  imageLineage(ref: string): Promise<string[]>;
  pullImage(ref: string, onStatus: (line: string) => void, signal?: AbortSignal): Promise<BuildImage>;
  /** a new image on `baseId` (undefined: scratch); `layer` an uncompressed tar, none for a metadata step */
  commitImage(baseId: string | undefined, layer: Readable | undefined, config: ImageConfigConfig, createdBy: string, author?: string): Promise<BuildImage>;
  /** a created (not started) container of `imageId` for one step */
  createStep(imageId: string, proc: StepProcess): Promise<string>;
  /**
   * Runs a RUN step straight under the OCI runtime (absent: this engine cannot, use createStep),
   * on an image or on the sealed changes of the step before it (from this engine's seal()).
   * `onStart` gets the step's id before its first output. A cancel kills it and leaves nothing.
   */
  runLight?(on: string | SealedStep, proc: StepProcess, onStart: (id: string) => void, onOutput: (chunk: Buffer) => void, signal?: AbortSignal): Promise<StepRun>;
  /**
   * Reads an image's filesystem without mounting it; undefined when this image cannot be read so
   * (absent: never). COPY and WORKDIR then write their layer as a tar, with no tree to open.
   */
  viewImage?(imageId: string): Promise<((path: string) => Promise<ImagePathInfo>) | undefined>;
  /** an image's filesystem for COPY, ADD and WORKDIR without a container (absent: use createStep) */
  openStepFs?(imageId: string): Promise<StepFs>;
  /** starts it, streams its output, returns its exit code */
  runStep(containerId: string, onOutput: (chunk: Buffer) => void, signal?: AbortSignal): Promise<number>;
  /** whether `path` (resolved in the container, symlinks followed) is a directory; undefined when absent */
  isDirectory(containerId: string, path: string): Promise<boolean | undefined>;
  /** a tar extracted at the container's "/", missing parent directories made 0755 */
  putArchive(containerId: string, tar: Readable): Promise<void>;
  /** a path of the container as a tar named by its base name (docker cp) */
  getArchive(containerId: string, path: string): Promise<Readable>;
  /** "user[:group]" to numbers with the container's /etc/passwd and /etc/group */
  resolveOwner(containerId: string, spec: string): Promise<{ uid: number; gid: number }>;
  commitStep(containerId: string, config: ImageConfigConfig, createdBy: string): Promise<BuildImage>;
  removeStep(containerId: string): Promise<void>;
  tag(imageId: string, tags: string[]): Promise<void>;
}

/** Build cache entries: a step's key (its parent and what it does) → the image it made. */
export interface BuildCacheStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, imageId: string): Promise<void>;
  /** what set() took is stored */
  flush?(): Promise<void>;
}

/**
 * Berth as a library: the same engine the daemon serves, in-process.
 *
 * @example
 * ```ts
 * import { createEngine, defaultContainerSpec } from 'berth';
 * const engine = await createEngine({ dataRoot: '/tmp/berth', execRoot: '/tmp/berth-run' });
 * const { id } = await engine.containers.create({ ...defaultContainerSpec('busybox'), cmd: ['echo', 'hi'] });
 * await engine.containers.start(id);
 * const { statusCode } = await engine.containers.wait(id, { condition: 'not-running' });
 * // a build from a context tar (plain or gzip), as POST /build takes it:
 * const { id: imageId } = await engine.builds.build(contextTar, { dockerfile: 'Dockerfile', tags: ['app:1'], buildArgs: {}, labels: {}, noCache: false, remove: true, forceRemove: false, networkMode: 'default', pull: false, out: (t) => process.stdout.write(t) });
 * // Kubernetes YAML (Pods, Deployments, Services, ConfigMaps, Secrets, PVCs), as `berth kube play` sends it:
 * const { pods, warnings } = await engine.kube.play(yamlText);
 * ```
 */
export { createEngine } from './engine/create-engine';
export type { Engine, EngineConfig, SystemInfo } from './engine/types';
export { defaultContainerSpec, defaultHostSpec } from './container/spec';
export type { ContainerSpec, HostSpec, MountSpec, UlimitSpec, RestartPolicySpec } from './container/spec';
export type { ContainerRecord, ContainerSummary, ContainerService, LogEntry, ExecCreateSpec, ExecInfo } from './container/types';
export type { ContainerPathStat } from './container/path-resolve';
export type { ImageService, ImageRecord, ImageSummaryView } from './image/types';
export type { VolumeService, VolumeInfo, VolumeRecord, VolumeCreateOptions, VolumeUsage, MountPoint } from './volume/types';
export type { BuildService, BuildRequest } from './engine/builds';
export type { KubeService, PlayResult, DownResult, GenerateResult } from './kube/index';
export { BuildStepError } from './builder/executor';
export type { CommitOptions } from './container/types';
// compose files as data: load one (.env, interpolation, merges, schema) and turn it into Kubernetes manifests
export { loadProject, ComposeFileError } from './compose/loader';
export type { ComposeProject, ServiceConfig } from './compose/loader/model';
export { toKube } from './compose/kube';
export type { KubeObject, KubeResult } from './compose/kube';
export {
  BerthError,
  NotFoundError,
  ConflictError,
  InvalidArgumentError,
  FailedPreconditionError,
  NotModifiedError,
  RuntimeStartError,
} from './base/errors';
export type { ErrorKind } from './base/errors';
export type { EngineEvent } from './base/events';

/**
 * `docker commit` and `docker diff`: a container's changes are its overlay
 * upper dir, less what the runtime made to mount on (/etc/hosts, /proc, …),
 * which Docker keeps in an "init" layer that is never committed.
 */
import * as path from 'node:path';
import { applyChanges } from '../image/changes';
import type { ImageRecord } from '../image/types';
import { listChanges, packUpper, scanUpper, type ChangeKind, type UpperScan } from '../layer/upper-diff';
import type { ImageConfigConfig } from '../protocol/oci/image';
import { publishContainerEvent, type ContainerContext } from './context';
import { INIT_PATH } from './start';
import type { CommitOptions, ContainerRecord } from './types';
import { containerIdsOf, remapOf } from './userns';
import { healthcheckConfig } from './spec';

/** Where the runtime mounts in every container (runtime/oci-spec's defaults) and Berth's per-container files. */
export const RUNTIME_MOUNT_POINTS = ['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys', '/sys/fs/cgroup', '/etc/hosts', '/etc/hostname', '/etc/resolv.conf', '/.dockerenv', INIT_PATH];

function upperDir(ctx: ContainerContext, rec: ContainerRecord): string {
  return path.join(ctx.store.containerDir(rec.id), 'rw', 'upper');
}

async function scan(ctx: ContainerContext, rec: ContainerRecord): Promise<UpperScan> {
  const mountPoints = [...RUNTIME_MOUNT_POINTS, ...(rec.mountPoints ?? []).map((m) => m.destination), ...Object.keys(rec.spec.host.tmpfs)];
  return scanUpper(upperDir(ctx, rec), mountPoints);
}

/** The image config a commit starts from: the image's, with what the container was created with over it. */
export function committedConfig(rec: ContainerRecord, img: ImageConfigConfig): ImageConfigConfig {
  const s = rec.spec;
  const cfg: ImageConfigConfig = { ...img };
  cfg.Env = rec.env;
  if (s.entrypoint !== undefined) {
    cfg.Entrypoint = s.entrypoint.length === 1 && s.entrypoint[0] === '' ? null : s.entrypoint;
    cfg.Cmd = s.cmd ?? null;
  } else if (s.cmd) cfg.Cmd = s.cmd;
  if (rec.workingDir) cfg.WorkingDir = rec.workingDir;
  if (s.user !== undefined) cfg.User = s.user;
  if (Object.keys(s.exposedPorts).length) cfg.ExposedPorts = { ...img.ExposedPorts, ...s.exposedPorts };
  if (Object.keys(s.volumes).length) cfg.Volumes = { ...img.Volumes, ...s.volumes };
  cfg.Labels = { ...img.Labels, ...s.labels }; // dockerd's merge: a map even when empty ({} in inspect)
  if (s.stopSignal) cfg.StopSignal = s.stopSignal;
  if (s.healthcheck) cfg.Healthcheck = healthcheckConfig(s.healthcheck);
  return cfg;
}

export async function commitContainer(ctx: ContainerContext, ref: string, opts: CommitOptions): Promise<ImageRecord> {
  const rec = ctx.store.resolve(ref);
  const img = await ctx.images.resolve(rec.imageId);
  // validate the changes before anything is written
  const config = applyChanges(opts.config ?? committedConfig(rec, img.config.config ?? {}), opts.changes ?? []);
  // pausing needs the freezer cgroup: a rootless container without one is committed running, as podman does
  const pause = opts.pause !== false && rec.state.status === 'running' && ctx.rootless?.cgroups.kind !== 'none';
  if (pause) await ctx.runtime.pause(rec.id);
  try {
    const changes = await scan(ctx, rec);
    const image = await ctx.images.commit({
      baseId: img.id,
      layer: await packUpper(upperDir(ctx, rec), changes, containerIdsOf(remapOf(ctx, rec))),
      config,
      createdBy: opts.createdBy ?? [rec.path, ...rec.args].join(' '),
      comment: opts.comment,
      author: opts.author,
      containerId: rec.id,
      tags: opts.tag ? [opts.tag] : [],
      event: 'commit',
    });
    publishContainerEvent(ctx, rec, 'commit', { comment: opts.comment ?? '', imageID: image.id, imageRef: opts.tag ?? '' });
    return image;
  } finally {
    if (pause) await ctx.runtime.resume(rec.id).catch((e: unknown) => ctx.logger.warn({ id: rec.id, err: String(e) }, 'resume after commit failed'));
  }
}

export async function containerChanges(ctx: ContainerContext, ref: string): Promise<Array<{ path: string; kind: ChangeKind }>> {
  const rec = ctx.store.resolve(ref);
  const changes = await scan(ctx, rec);
  return listChanges(changes, await ctx.images.layerDirs(rec.imageId));
}

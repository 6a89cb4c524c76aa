/**
 * Image read models → Docker's image JSON shapes (inspect, list, history, delete), as the request's API
 * version shows them: VirtualSize until 1.43, Container/ContainerConfig until 1.44, `<none>` names until 1.42. Pure.
 */
import { API_VERSION } from '../../../base/version';
import { apiAtLeast } from '../../http/api-version';
import type { ImageDeleteItem, ImageHistoryView, ImageManifests, ImageManifestView, ImageRecord, ImageSummaryView } from '../../../image/types';
import type { Descriptor, ImageConfigConfig } from '../../../protocol/oci/image';
import type { OciDescriptorWire } from '../../../protocol/docker/descriptor';
import type { ContainerConfig } from '../../../protocol/docker/container';
import type { HistoryResponseItem, ImageDeleteResponseItem, ImageInspectResponse, ImageManifestSummaryWire, ImageSummaryWire } from '../../../protocol/docker/image';

const ZERO_TIME = '0001-01-01T00:00:00Z';

/** The OCI config's `config` in Docker's full ContainerConfig shape (clients read zero values). */
export function toImageContainerConfig(c: ImageConfigConfig | undefined): ContainerConfig {
  const cfg: ContainerConfig = {
    Hostname: '',
    Domainname: '',
    User: c?.User ?? '',
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: c?.Env ?? null,
    Cmd: c?.Cmd ?? null,
    Image: '',
    Volumes: c?.Volumes ?? null,
    WorkingDir: c?.WorkingDir ?? '',
    Entrypoint: c?.Entrypoint ?? null,
    OnBuild: c?.OnBuild ?? null,
    Labels: c?.Labels ?? null,
  };
  if (c?.ExposedPorts) cfg.ExposedPorts = c.ExposedPorts;
  if (c?.StopSignal) cfg.StopSignal = c.StopSignal;
  if (c?.Shell) cfg.Shell = c.Shell;
  if (c?.Healthcheck) cfg.Healthcheck = c.Healthcheck;
  return cfg;
}

export function toDescriptorWire(d: Descriptor): OciDescriptorWire {
  return { mediaType: d.mediaType, digest: d.digest, size: d.size, ...(d.platform ? { platform: { ...d.platform } } : {}) };
}

function toManifestSummaryWire(m: ImageManifestView): ImageManifestSummaryWire {
  return {
    ID: m.id,
    Descriptor: toDescriptorWire(m.descriptor),
    Available: m.available,
    Size: { Total: m.contentSize + m.unpackedSize, Content: m.contentSize },
    Kind: m.kind,
    ImageData: { Platform: { ...m.platform }, Containers: m.containers, Size: { Unpacked: m.unpackedSize } },
  };
}

/** `manifests`: Descriptor (1.48+) and, when asked, Manifests (1.48+ on inspect). */
export function toImageInspect(rec: ImageRecord, extras: { layerDirs?: string[]; manifests?: ImageManifests; withManifests?: boolean } = {}, apiVersion = API_VERSION): ImageInspectResponse {
  const cfg = rec.config;
  const data: Record<string, string> = {};
  if (extras.layerDirs && extras.layerDirs.length) data.LowerDir = extras.layerDirs.join(':');
  const out: ImageInspectResponse = {
    Id: rec.id,
    RepoTags: rec.repoTags,
    RepoDigests: rec.repoDigests,
    Parent: rec.parent ?? '',
    Comment: cfg.comment ?? '',
    Created: cfg.created ?? rec.created,
    DockerVersion: cfg.docker_version ?? '',
    Author: cfg.author ?? '',
    Config: toImageContainerConfig(cfg.config),
    Architecture: cfg.architecture,
    Os: cfg.os,
    Size: rec.size,
    GraphDriver: { Name: 'overlay2', Data: data },
    RootFS: { Type: 'layers', Layers: cfg.rootfs?.diff_ids ?? [] },
    Metadata: { LastTagTime: ZERO_TIME },
  };
  if (cfg.variant) out.Variant = cfg.variant;
  if (apiAtLeast(apiVersion, '1.48') && extras.manifests) {
    if (extras.manifests.descriptor) out.Descriptor = toDescriptorWire(extras.manifests.descriptor);
    if (extras.withManifests) out.Manifests = extras.manifests.manifests.map(toManifestSummaryWire);
  }
  if (!apiAtLeast(apiVersion, '1.44')) out.VirtualSize = rec.size;
  if (!apiAtLeast(apiVersion, '1.45')) {
    out.Container = cfg.container ?? '';
    out.ContainerConfig = toImageContainerConfig(undefined);
  }
  return out;
}

/**
 * SharedSize is -1 where the view has none (image list without shared-size, as dockerd sends it); Manifests (1.47)
 * and Descriptor (1.48) where the view has them. `listed`: the image list, where dockerd sends Containers as -1
 * before API 1.51 (only /system/df counted them).
 */
export function toImageSummaryWire(v: ImageSummaryView, apiVersion = API_VERSION, o: { listed?: boolean } = {}): ImageSummaryWire {
  const untagged = v.repoTags.length === 0 && v.repoDigests.length === 0;
  const none = untagged && !apiAtLeast(apiVersion, '1.43');
  const out: ImageSummaryWire = {
    Containers: o.listed && !apiAtLeast(apiVersion, '1.51') ? -1 : v.containers,
    Created: v.created,
    Id: v.id,
    Labels: Object.keys(v.labels).length ? v.labels : null,
    ParentId: v.parentId,
    RepoDigests: none ? ['<none>@<none>'] : v.repoDigests,
    RepoTags: none ? ['<none>:<none>'] : v.repoTags,
    SharedSize: v.sharedSize ?? -1,
    Size: v.size,
  };
  if (!apiAtLeast(apiVersion, '1.44')) out.VirtualSize = v.size;
  if (v.manifests && apiAtLeast(apiVersion, '1.47')) out.Manifests = v.manifests.map(toManifestSummaryWire);
  if (v.descriptor && apiAtLeast(apiVersion, '1.48')) out.Descriptor = toDescriptorWire(v.descriptor);
  return out;
}

export function toHistoryWire(h: ImageHistoryView): HistoryResponseItem {
  return { Comment: h.comment, Created: h.created, CreatedBy: h.createdBy, Id: h.id, Size: h.size, Tags: h.tags.length ? h.tags : null };
}

export function toImageDeleteWire(items: ImageDeleteItem[]): ImageDeleteResponseItem[] {
  return items.map((i) => (i.untagged !== undefined ? { Untagged: i.untagged } : { Deleted: i.deleted ?? '' }));
}

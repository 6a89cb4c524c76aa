/** ContainerSummary (core) → an entry of GET /containers/json, as the request's API version shows it. Pure. */
import { API_VERSION } from '../../../base/version';
import { apiAtLeast } from '../../http/api-version';
import type { ContainerSummary } from '../../../container/types';
import type { ContainerSummaryWire } from '../../../protocol/docker/container';
import { toEndpointSettings, toMountPoints, toMountPointsWire } from './container-inspect';
import { defaultHostSpec } from '../../../container/spec';
import { toDescriptorWire } from './image';

export function toContainerSummaryWire(s: ContainerSummary, apiVersion = API_VERSION): ContainerSummaryWire {
  const networks: ContainerSummaryWire['NetworkSettings']['Networks'] = {};
  const owner = { id: s.id, name: s.names[0] ?? '' };
  for (const [name, n] of Object.entries(s.networks)) networks[name] = toEndpointSettings(name, n, owner, { apiVersion });
  return {
    Id: s.id,
    Names: s.names.map((n) => (n.startsWith('/') ? n : `/${n}`)),
    Image: s.image,
    ImageID: s.imageId,
    ...(s.imageManifest && apiAtLeast(apiVersion, '1.48') ? { ImageManifestDescriptor: toDescriptorWire(s.imageManifest) } : {}),
    Command: s.command,
    Created: s.created,
    Ports: s.ports.map((p) => {
      const out: ContainerSummaryWire['Ports'][number] = { PrivatePort: p.privatePort, Type: p.type };
      if (p.ip !== undefined) out.IP = p.ip;
      if (p.publicPort !== undefined) out.PublicPort = p.publicPort;
      return out;
    }),
    Labels: s.labels,
    State: s.state,
    Status: s.status,
    // Annotations joined the list in 1.46
    HostConfig: { NetworkMode: s.networkMode, ...(s.annotations && apiAtLeast(apiVersion, '1.46') ? { Annotations: s.annotations } : {}) },
    NetworkSettings: { Networks: networks },
    Mounts: s.mountPoints ? toMountPointsWire(s.mountPoints) : toMountPoints({ ...defaultHostSpec(), mounts: s.mounts }),
    ...(s.sizeRw !== undefined ? { SizeRw: s.sizeRw, SizeRootFs: s.sizeRootFs ?? 0 } : {}),
  };
}

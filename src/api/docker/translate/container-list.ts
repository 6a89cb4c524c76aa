/** ContainerSummary (core) → an entry of GET /containers/json. Pure. */
import type { ContainerSummary } from '../../../container/types';
import type { ContainerSummaryWire } from '../../../protocol/docker/container';
import { toEndpointSettings, toMountPoints, toMountPointsWire } from './container-inspect';
import { defaultHostSpec } from '../../../container/spec';

export function toContainerSummaryWire(s: ContainerSummary): ContainerSummaryWire {
  const networks: ContainerSummaryWire['NetworkSettings']['Networks'] = {};
  for (const [name, n] of Object.entries(s.networks)) networks[name] = toEndpointSettings(n);
  return {
    Id: s.id,
    Names: s.names.map((n) => (n.startsWith('/') ? n : `/${n}`)),
    Image: s.image,
    ImageID: s.imageId,
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
    HostConfig: { NetworkMode: s.networkMode },
    NetworkSettings: { Networks: networks },
    Mounts: s.mountPoints ? toMountPointsWire(s.mountPoints) : toMountPoints({ ...defaultHostSpec(), mounts: s.mounts }),
    ...(s.sizeRw !== undefined ? { SizeRw: s.sizeRw, SizeRootFs: s.sizeRootFs ?? 0 } : {}),
  };
}

/** Row view of a container for `ps` (fields as in docker's container format context). */
import type { ContainerSummary, PortSummary } from '../../client/wire-types';
import { humanSize, timeAgo } from './humanize';

export const PS_DEFAULT_TABLE = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';
export const PS_HEADERS: Record<string, string> = {
  ID: 'CONTAINER ID', Image: 'IMAGE', Command: 'COMMAND', CreatedAt: 'CREATED AT', RunningFor: 'CREATED', Status: 'STATUS',
  Ports: 'PORTS', Names: 'NAMES', Labels: 'LABELS', Label: 'LABEL', Mounts: 'MOUNTS', Size: 'SIZE', Networks: 'NETWORKS', State: 'STATE', LocalVolumes: 'LOCAL VOLUMES',
};

/** Cuts to `max` characters with "…" like docker's formatter.Ellipsis. */
export function ellipsis(s: string, max: number): string {
  const chars = [...s];
  if (chars.length <= max) return s;
  return chars.slice(0, max - 1).join('') + '…';
}

/** "127.0.0.1:18080->80/tcp, 443/tcp" (sorted; IPv6 hosts in brackets). */
export function displayPorts(ports: PortSummary[] | null | undefined): string {
  const sorted = [...(ports ?? [])].sort((a, b) => a.PrivatePort - b.PrivatePort || (a.PublicPort ?? 0) - (b.PublicPort ?? 0) || (a.IP ?? '').localeCompare(b.IP ?? ''));
  return sorted
    .map((p) => {
      if (!p.PublicPort) return `${p.PrivatePort}/${p.Type}`;
      const ip = p.IP ?? '';
      const host = ip.includes(':') ? `[${ip}]` : ip || '0.0.0.0';
      return `${host}:${p.PublicPort}->${p.PrivatePort}/${p.Type}`;
    })
    .join(', ');
}

export function formatGoTime(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000 UTC`;
}

export interface ContainerRow {
  ID: string;
  Image: string;
  Command: string;
  CreatedAt: string;
  RunningFor: string;
  Ports: string;
  State: string;
  Status: string;
  Size: string;
  Names: string;
  Labels: string;
  Mounts: string;
  Networks: string;
  LocalVolumes: string;
  Label(name: string): string;
}

export function toContainerRow(c: ContainerSummary, opts: { noTrunc: boolean; now?: number }): ContainerRow {
  const labels = c.Labels ?? {};
  let names = c.Names.map((n) => n.replace(/^\//, ''));
  if (!opts.noTrunc) names = names.filter((n) => !n.includes('/')); // link aliases only with --no-trunc
  let image = c.Image;
  if (!opts.noTrunc && image.startsWith('sha256:')) image = image.slice(7, 19);
  const command = opts.noTrunc ? JSON.stringify(c.Command) : JSON.stringify(ellipsis(c.Command, 20));
  const row: ContainerRow = {
    ID: opts.noTrunc ? c.Id : c.Id.slice(0, 12),
    Image: image,
    Command: command,
    CreatedAt: formatGoTime(c.Created),
    RunningFor: timeAgo(c.Created, opts.now),
    Ports: displayPorts(c.Ports),
    State: c.State,
    Status: c.Status,
    Size: c.SizeRw !== undefined ? `${humanSize(c.SizeRw)} (virtual ${humanSize(c.SizeRootFs ?? 0)})` : '0B',
    Names: names.join(','),
    Labels: Object.keys(labels).map((k) => `${k}=${labels[k]}`).join(','),
    Mounts: (c.Mounts ?? []).map((m) => m.Name || m.Source || '').join(','),
    Networks: Object.keys(c.NetworkSettings?.Networks ?? {}).join(','),
    LocalVolumes: String((c.Mounts ?? []).filter((m) => m.Name).length),
    Label: (name: string) => labels[name] ?? '',
  };
  return row;
}

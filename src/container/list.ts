/** `docker ps`: summaries with Docker's status strings and filters. */
import { InvalidArgumentError } from '../base/errors';
import { untilFilter } from '../base/until';
import { namesOf } from './links';
import type { ContainerListOptions, ContainerRecord, ContainerSummary } from './types';
import { isRunning } from './status';
import { humanDuration } from '../base/human-duration';

export function statusText(rec: ContainerRecord, now = Date.now()): string {
  const s = rec.state;
  switch (s.status) {
    case 'running':
    case 'paused': {
      const up = humanDuration(now - Date.parse(s.startedAt));
      const health = s.health ? ` (${s.health.status === 'starting' ? 'health: starting' : s.health.status})` : '';
      return `Up ${up}${s.status === 'paused' ? ' (Paused)' : health}`;
    }
    case 'restarting':
      return `Restarting (${s.exitCode}) ${humanDuration(now - Date.parse(s.finishedAt))} ago`;
    case 'exited':
      return `Exited (${s.exitCode}) ${humanDuration(now - Date.parse(s.finishedAt))} ago`;
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
    default:
      return 'Created';
  }
}

const KNOWN_FILTERS = new Set(['id', 'name', 'label', 'status', 'ancestor', 'exited', 'before', 'since', 'network', 'health', 'volume', 'publish', 'expose', 'is-task']);
const STATUSES = new Set(['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead']);

export function matchesFilters(
  rec: ContainerRecord,
  filters: Record<string, string[]>,
  ctx: { imageMatches: (ref: string, imageId: string) => boolean; createdOf: (ref: string) => string | undefined },
): boolean {
  for (const [key, values] of Object.entries(filters)) {
    if (!values.length) continue;
    const any = (pred: (v: string) => boolean) => values.some(pred);
    switch (key) {
      case 'id':
        if (!any((v) => rec.id.startsWith(v))) return false;
        break;
      case 'name':
        if (!any((v) => new RegExp(v.replace(/^\//, '')).test(rec.name))) return false;
        break;
      case 'label':
        // unlike the other filters, every label given must match (dockerd's MatchKVList)
        if (!values.every((v) => {
          const i = v.indexOf('=');
          return i < 0 ? v in rec.spec.labels : rec.spec.labels[v.slice(0, i)] === v.slice(i + 1);
        })) return false;
        break;
      case 'status':
        if (!any((v) => v === rec.state.status)) return false;
        break;
      case 'exited':
        if (rec.state.status !== 'exited' || !any((v) => Number(v) === rec.state.exitCode)) return false;
        break;
      case 'ancestor':
        if (!any((v) => ctx.imageMatches(v, rec.imageId) || v === rec.spec.image)) return false;
        break;
      case 'before':
        if (!any((v) => rec.created < (ctx.createdOf(v) ?? ''))) return false;
        break;
      case 'since':
        if (!any((v) => rec.created > (ctx.createdOf(v) ?? '~'))) return false;
        break;
      case 'network':
        if (!any((v) => v in rec.networks || rec.spec.host.networkMode === v || Object.values(rec.networks).some((n) => n.networkId.startsWith(v)))) return false;
        break;
      case 'health':
        if (!any((v) => (rec.state.health?.status ?? 'none') === v)) return false;
        break;
      case 'volume':
        if (!any((v) => (rec.mountPoints ?? []).some((m) => m.name === v || m.destination === v || m.source === v))) return false;
        break;
      case 'expose': {
        const exposed = new Set([...Object.keys(rec.spec.exposedPorts), ...Object.keys(rec.spec.host.portBindings)]);
        if (!any((v) => exposed.has(v.includes('/') ? v : `${v}/tcp`))) return false;
        break;
      }
      case 'publish': {
        // `publish=8080` or `publish=8080/udp`: a host port the container publishes
        const published = Object.entries(rec.ports).flatMap(([k, bs]) => (bs ?? []).map((b) => `${b.hostPort}/${k.split('/')[1] ?? 'tcp'}`));
        if (!any((v) => published.includes(v.includes('/') ? v : `${v}/tcp`))) return false;
        break;
      }
      default:
        break;
    }
  }
  return true;
}

export function validateListFilters(filters: Record<string, string[]>): void {
  for (const [k, vs] of Object.entries(filters)) {
    if (!KNOWN_FILTERS.has(k)) throw new InvalidArgumentError(`invalid filter '${k}'`);
    if (k === 'status') for (const v of vs) if (!STATUSES.has(v)) throw new InvalidArgumentError(`invalid filter 'status=${v}'`);
  }
}

/** dockerd's list Command: the path, then each argument, one holding a space in single quotes (nothing escaped). */
export function commandLine(path: string, args: string[]): string {
  return args.length ? `${path} ${args.map((a) => (a.includes(' ') ? `'${a}'` : a)).join(' ')}` : path;
}

export function toSummary(rec: ContainerRecord, imageName: string, all: ContainerRecord[] = [rec]): ContainerSummary {
  const ports: ContainerSummary['ports'] = [];
  for (const [key, binds] of Object.entries(rec.ports)) {
    const [port = '0', proto = 'tcp'] = key.split('/');
    if (!binds || binds.length === 0) ports.push({ privatePort: Number(port), type: proto });
    else for (const b of binds) ports.push({ privatePort: Number(port), publicPort: Number(b.hostPort), type: proto, ip: b.hostIp || '0.0.0.0' });
  }
  return {
    id: rec.id,
    names: namesOf(rec, all),
    image: imageName,
    imageId: rec.imageId,
    command: commandLine(rec.path, rec.args),
    created: Math.floor(Date.parse(rec.created) / 1000),
    state: rec.state.status,
    status: statusText(rec),
    labels: rec.spec.labels,
    ports,
    networkMode: rec.spec.host.networkMode,
    ...(rec.spec.host.annotations ? { annotations: rec.spec.host.annotations } : {}),
    networks: rec.networks,
    mounts: rec.spec.host.mounts,
    ...(rec.mountPoints ? { mountPoints: rec.mountPoints } : {}),
  };
}

export function listRecords(all: ContainerRecord[], opts: ContainerListOptions, filterCtx: Parameters<typeof matchesFilters>[2]): ContainerRecord[] {
  const filters = opts.filters ?? {};
  validateListFilters(filters);
  let recs = all.filter((r) => (opts.all || isRunning(r.state.status) || (filters.status?.length ?? 0) > 0 || (filters.exited?.length ?? 0) > 0) && matchesFilters(r, filters, filterCtx));
  recs.sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
  if (opts.limit !== undefined && opts.limit > 0) recs = recs.slice(0, opts.limit);
  return recs;
}

/** POST /containers/prune filters, as dockerd takes them: label, label! and until (created before). */
export function containerPruneFilter(filters: Record<string, string[]>, now = Date.now()): (rec: ContainerRecord) => boolean {
  for (const k of Object.keys(filters)) if (!['label', 'label!', 'until'].includes(k)) throw new InvalidArgumentError(`invalid filter '${k}'`);
  const cutoff = untilFilter(filters, now);
  const has = (labels: Record<string, string>, l: string) => {
    const i = l.indexOf('=');
    return i < 0 ? l in labels : labels[l.slice(0, i)] === l.slice(i + 1);
  };
  const label = filters['label'] ?? [];
  const notLabel = filters['label!'] ?? [];
  return (rec) => {
    if (cutoff !== undefined && Date.parse(rec.created) >= cutoff) return false;
    if (!label.every((l) => has(rec.spec.labels, l))) return false;
    // label!=k=v spares the containers that carry that label
    return !notLabel.some((l) => has(rec.spec.labels, l));
  };
}

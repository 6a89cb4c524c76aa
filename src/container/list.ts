/** `docker ps`: summaries with Docker's status strings and filters. */
import { InvalidArgumentError } from '../base/errors';
import { untilFilter } from '../base/until';
import { namesOf } from './links';
import type { ContainerListOptions, ContainerRecord, ContainerSummary } from './types';
import { isRunning } from './status';
import { humanDuration } from '../base/human-duration';
import type { ImageSummaryView } from '../image/types';
import { normalizeTag } from '../image/reference';

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
        // dockerd: the image the reference names now, or one built on it; an unknown reference matches nothing
        if (!any((v) => ctx.imageMatches(v, rec.imageId))) return false;
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
    if (k === 'status') for (const v of vs) if (!STATUSES.has(v)) throw new InvalidArgumentError(`invalid filter 'status=${v}': invalid value for state (${v}): must be one of created, running, paused, restarting, removing, exited, dead`);
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
  // as dockerd: a status filter or a limit (-n, -l) takes stopped containers in; an exited filter does not
  const every = opts.all || (filters.status?.length ?? 0) > 0 || (opts.limit ?? 0) > 0;
  let recs = all.filter((r) => (every || isRunning(r.state.status)) && matchesFilters(r, filters, filterCtx));
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

type ImageFacts = Pick<ImageSummaryView, 'id' | 'parentId' | 'repoTags' | 'repoDigests'>;

/** The image a reference names now (tag, digest, or id prefix), as dockerd's lookup; undefined when none. */
export function imageNamed(ref: string, images: ImageFacts[]): ImageFacts | undefined {
  let tagged: string | undefined;
  try {
    tagged = ref.includes('@') ? undefined : normalizeTag(ref);
  } catch {
    tagged = undefined;
  }
  const byName = images.find((i) => (tagged !== undefined && i.repoTags.includes(tagged)) || i.repoDigests.includes(ref));
  if (byName) return byName;
  const hex = ref.replace(/^sha256:/, '');
  if (!/^[0-9a-f]{1,64}$/.test(hex)) return undefined;
  const byId = images.filter((i) => i.id.slice('sha256:'.length).startsWith(hex));
  return byId.length === 1 ? byId[0] : undefined;
}

/** The ids of the image `ref` names and of every image built on it (dockerd's ancestor filter). */
export function ancestorIds(ref: string, images: ImageFacts[]): Set<string> {
  const out = new Set<string>();
  const root = imageNamed(ref, images);
  if (!root) return out;
  const todo = [root.id];
  while (todo.length) {
    const id = todo.pop()!;
    if (out.has(id)) continue;
    out.add(id);
    for (const i of images) if (i.parentId === id) todo.push(i.id);
  }
  return out;
}

/** ps's Image: the reference the container was made with while it still names the same image, else the image id. */
export function shownImage(rec: { imageId: string; spec: { image: string } }, images: ImageFacts[]): string {
  return imageNamed(rec.spec.image, images)?.id === rec.imageId ? rec.spec.image : rec.imageId;
}

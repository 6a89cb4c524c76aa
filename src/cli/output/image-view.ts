/** Row views for `images` and `history` (fields as in docker's image format contexts). */
import type { ImageHistoryItem, ImageSummary } from '../../client/wire-types';
import { humanSize, timeAgo } from './humanize';
import { ellipsis, formatGoTime } from './container-view';

export const IMAGES_DEFAULT_TABLE = 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';
export const IMAGES_DIGESTS_TABLE = 'table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';
export const IMAGES_HEADERS: Record<string, string> = {
  Repository: 'REPOSITORY', Tag: 'TAG', Digest: 'DIGEST', ID: 'IMAGE ID', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', Size: 'SIZE', Containers: 'CONTAINERS', SharedSize: 'SHARED SIZE', UniqueSize: 'UNIQUE SIZE', VirtualSize: 'VIRTUAL SIZE',
};

export interface ImageRow {
  Repository: string;
  Tag: string;
  Digest: string;
  ID: string;
  CreatedSince: string;
  CreatedAt: string;
  Size: string;
  VirtualSize: string;
  SharedSize: string;
  UniqueSize: string;
  Containers: string;
}

function shortId(id: string, noTrunc: boolean): string {
  return noTrunc ? id : id.replace(/^sha256:/, '').slice(0, 12);
}

/** One row per repo:tag (or repo@digest, or <none>:<none>), as `docker images` lists them. */
export function toImageRows(img: ImageSummary, opts: { noTrunc: boolean; now?: number }): ImageRow[] {
  const base = {
    ID: shortId(img.Id, opts.noTrunc),
    CreatedSince: timeAgo(img.Created, opts.now),
    CreatedAt: formatGoTime(img.Created),
    Size: humanSize(img.Size),
    VirtualSize: humanSize(img.Size),
    SharedSize: img.SharedSize >= 0 ? humanSize(img.SharedSize) : 'N/A',
    UniqueSize: img.SharedSize >= 0 ? humanSize(img.Size - img.SharedSize) : 'N/A',
    Containers: img.Containers >= 0 ? String(img.Containers) : 'N/A',
  };
  const digests = img.RepoDigests ?? [];
  const digestFor = (repo: string): string => digests.find((d) => d.startsWith(`${repo}@`))?.split('@')[1] ?? '<none>';
  const tags = (img.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
  if (tags.length) {
    return tags.map((t) => {
      const i = t.lastIndexOf(':');
      const repo = t.slice(0, i);
      return { ...base, Repository: repo, Tag: t.slice(i + 1), Digest: digestFor(repo) };
    });
  }
  const realDigests = digests.filter((d) => d !== '<none>@<none>');
  if (realDigests.length) {
    return realDigests.map((d) => {
      const [repo, digest] = d.split('@');
      return { ...base, Repository: repo!, Tag: '<none>', Digest: digest ?? '<none>' };
    });
  }
  return [{ ...base, Repository: '<none>', Tag: '<none>', Digest: '<none>' }];
}

export const HISTORY_DEFAULT_TABLE = 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';
export const HISTORY_HEADERS: Record<string, string> = { ID: 'IMAGE', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT' };

export interface HistoryRow {
  ID: string;
  CreatedSince: string;
  CreatedAt: string;
  CreatedBy: string;
  Size: string;
  Comment: string;
}

export function toHistoryRow(h: ImageHistoryItem, opts: { noTrunc: boolean; human: boolean; now?: number }): HistoryRow {
  const createdBy = h.CreatedBy.replace(/\t/g, ' ');
  return {
    ID: h.Id.startsWith('sha256:') ? shortId(h.Id, opts.noTrunc) : h.Id,
    CreatedSince: opts.human ? timeAgo(h.Created, opts.now) : formatGoTime(h.Created),
    CreatedAt: formatGoTime(h.Created),
    CreatedBy: opts.noTrunc ? createdBy : ellipsis(createdBy, 45),
    Size: opts.human ? humanSize(h.Size) : String(h.Size),
    Comment: h.Comment,
  };
}

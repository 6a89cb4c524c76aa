/** `docker images`: the summaries, filtered by reference, label, dangling, before, since and until. */
import { untilFilter } from '../base/until';
import { checkFilterKeys, createdMs, labelMatches, referenceMatches } from './filters';
import type { ImageContext } from './image-context';
import type { ImageListOptions, ImageSummaryView } from './types';

export function listImages(ctx: ImageContext, opts: ImageListOptions = {}): ImageSummaryView[] {
  const f = opts.filters ?? {};
  checkFilterKeys(f, ['reference', 'label', 'dangling', 'before', 'since', 'until']);
  // untagged images that others were built on are a build's intermediates: shown only with -a, as Docker does
  const all = ctx.store.all();
  const parents = new Set(all.map((r) => r.parent)); // once, not a scan of every image per image
  let recs = all.filter((r) => opts.all || r.repoTags.length > 0 || !parents.has(r.id));
  if (f.dangling?.length) {
    const want = f.dangling[0] === 'true' || f.dangling[0] === '1';
    recs = recs.filter((r) => (r.repoTags.length === 0) === want);
  }
  if (f.label?.length) recs = recs.filter((r) => f.label!.every((l) => labelMatches(r.config.config?.Labels ?? {}, l)));
  if (f.reference?.length) recs = recs.filter((r) => f.reference!.some((p) => referenceMatches(r.repoTags, p)));
  if (f.before?.length) {
    const b = createdMs(ctx.store.resolve(f.before[0]!));
    recs = recs.filter((r) => createdMs(r) < b);
  }
  // until (API 1.44, unversioned): created before the given time
  const until = untilFilter(f);
  if (until !== undefined) recs = recs.filter((r) => createdMs(r) < until);
  if (f.since?.length) {
    const s = createdMs(ctx.store.resolve(f.since[0]!));
    recs = recs.filter((r) => createdMs(r) > s);
  }
  return recs
    .map((r) => ({
      id: r.id,
      parentId: r.parent ?? '',
      repoTags: [...r.repoTags].sort(),
      repoDigests: [...r.repoDigests],
      created: Math.floor(createdMs(r) / 1000),
      size: r.size,
      labels: r.config.config?.Labels ?? {},
      containers: ctx.usage(r.id).length,
    }))
    .sort((a, b) => b.created - a.created);
}

/** `docker images`: the summaries, filtered by reference, label, dangling, before, since and until. */
import { parseUntil } from '../base/until';
import { checkFilterKeys, createdMs, labelMatches, referenceMatches, referenceMatchesOne } from './filters';
import type { ImageContext } from './image-context';
import { imageManifests, imageTarget } from './manifests';
import type { ImageListOptions, ImageRecord, ImageSummaryView } from './types';

export async function listImages(ctx: ImageContext, opts: ImageListOptions = {}): Promise<ImageSummaryView[]> {
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
  // with a reference filter, an image lists only the tags and digests that matched (dockerd does the same)
  const refs = f.reference ?? [];
  const matching = (list: string[]) => (refs.length ? list.filter((t) => refs.some((p) => referenceMatchesOne(t, p))) : list);
  if (refs.length) recs = recs.filter((r) => refs.some((p) => referenceMatches(r.repoTags, p) || referenceMatches(r.repoDigests, p)));
  // before and until (API 1.44) are one bound, the earliest of all their values; since takes the newest value
  const upper = [...(f.before ?? []).map((v) => createdMs(ctx.store.resolve(v))), ...(f.until ?? []).map((v) => parseUntil(v))];
  if (upper.length) {
    const b = Math.min(...upper);
    recs = recs.filter((r) => createdMs(r) < b);
  }
  if (f.since?.length) {
    const s = Math.max(...f.since.map((v) => createdMs(ctx.store.resolve(v))));
    recs = recs.filter((r) => createdMs(r) > s);
  }
  const shared = opts.sharedSize ? sharedSizes(ctx, all) : undefined;
  const views = await Promise.all(
    recs.map(async (r): Promise<ImageSummaryView> => {
      const descriptor = opts.descriptors ? await imageTarget(ctx, r) : undefined;
      return {
        id: r.id,
        parentId: r.parent ?? '',
        repoTags: matching([...r.repoTags]).sort(),
        repoDigests: matching([...r.repoDigests]),
        created: Math.floor(createdMs(r) / 1000),
        size: r.size,
        labels: r.config.config?.Labels ?? {},
        containers: ctx.usage(r.id).length,
        ...(shared ? { sharedSize: shared(r) } : {}),
        ...(descriptor ? { descriptor } : {}),
        ...(opts.manifests ? { manifests: await imageManifests(ctx, r) } : {}),
      };
    }),
  );
  return views.sort((a, b) => b.created - a.created);
}

/**
 * dockerd's SharedSize: the bytes of an image's layers that another image in the store uses too
 * (a layer is a chain id, so a shared base is shared, an identical diff on another base is not).
 */
function sharedSizes(ctx: ImageContext, all: ImageRecord[]): (r: ImageRecord) => number {
  const users = new Map<string, number>();
  for (const r of all) for (const c of new Set(r.chainIds)) users.set(c, (users.get(c) ?? 0) + 1);
  return (r) => [...new Set(r.chainIds)].reduce((n, c) => n + ((users.get(c) ?? 0) > 1 ? (ctx.layers.get(c)?.size ?? 0) : 0), 0);
}

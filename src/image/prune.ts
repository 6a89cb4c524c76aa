/** `docker image prune`: dangling (or, with dangling=false, all) images no container uses. */
import { checkFilterKeys, createdMs, labelMatches, parseUntil } from './filters';
import { childrenOf, type ImageContext, publishImageEvent } from './image-context';
import { deleteImage } from './remove';
import type { ImageDeleteItem } from './types';

export async function pruneImages(ctx: ImageContext, opts: { dangling: boolean; filters?: Record<string, string[]> }): Promise<{ deleted: ImageDeleteItem[]; spaceReclaimed: number }> {
  const f = opts.filters ?? {};
  checkFilterKeys(f, ['label', 'label!', 'until']);
  const until = f.until?.length ? parseUntil(f.until[0]!) : undefined;
  const deleted: ImageDeleteItem[] = [];
  let space = 0;
  for (const img of ctx.store.all()) {
    if (ctx.usage(img.id).length) continue;
    if (!ctx.store.get(img.id)) continue; // went with a child removed earlier in this loop
    if (opts.dangling && img.repoTags.length) continue;
    // an intermediate goes with the last image built on it, not before
    if (childrenOf(ctx, img.id).length) continue;
    const labels = img.config.config?.Labels ?? {};
    if (!(f.label ?? []).every((l) => labelMatches(labels, l))) continue;
    if ((f['label!'] ?? []).some((l) => labelMatches(labels, l))) continue;
    if (until !== undefined && createdMs(img) >= until) continue;
    for (const t of img.repoTags) {
      deleted.push({ untagged: t });
      publishImageEvent(ctx, 'untag', img.id, img.id);
    }
    const r = await deleteImage(ctx, img);
    deleted.push(...r.items);
    space += r.reclaimed;
  }
  ctx.events.publish({ type: 'image', action: 'prune', id: '', attributes: { reclaimed: String(space) } });
  return { deleted, spaceReclaimed: space };
}

/** `docker rmi`: untag, or delete when the last reference goes, with Docker's refusals. */
import { ConflictError } from '../base/errors';
import { shortId } from '../base/ids';
import { type ImageContext, publishImageEvent } from './image-context';
import { familiarName, looksLikeId, parseReference } from './reference';
import type { ImageDeleteItem, ImageRecord } from './types';

export async function removeImage(ctx: ImageContext, ref: string, opts: { force?: boolean; noprune?: boolean }): Promise<ImageDeleteItem[]> {
  const img = ctx.store.resolve(ref);
  const users = ctx.usage(img.id);
  const byId = looksLikeId(ref) && !img.repoTags.some((t) => t === ref || t === `${ref}:latest`);
  const out: ImageDeleteItem[] = [];

  if (!byId) {
    const parsed = parseReference(ref);
    const tag = parsed.digest ? undefined : `${familiarName(parsed)}:${parsed.tag ?? 'latest'}`;
    const others = img.repoTags.filter((t) => t !== tag).length + img.repoDigests.length - (parsed.digest ? 1 : 0);
    if (tag && others > 0) {
      await ctx.store.removeTag(tag);
      publishImageEvent(ctx, 'untag', img.id, tag);
      return [{ untagged: tag }];
    }
    if (users.length && !opts.force) {
      throw new ConflictError(`conflict: unable to remove repository reference "${ref}" (must force) - container ${shortId(users[0]!)} is using its referenced image ${shortId(img.id)}`, 'IMAGE_IN_USE');
    }
  } else {
    const repos = new Set(img.repoTags.map((t) => familiarName(parseReference(t))));
    if (repos.size > 1 && !opts.force) {
      throw new ConflictError(`conflict: unable to delete ${shortId(img.id)} (must be forced) - image is referenced in multiple repositories`, 'IMAGE_MULTIPLE_REPOS');
    }
    if (users.length && !opts.force) {
      throw new ConflictError(`conflict: unable to delete ${shortId(img.id)} (must be forced) - image is being used by stopped container ${shortId(users[0]!)}`, 'IMAGE_IN_USE');
    }
  }
  for (const t of img.repoTags) {
    out.push({ untagged: t });
    publishImageEvent(ctx, 'untag', img.id, t);
  }
  for (const d of img.repoDigests) out.push({ untagged: d });
  if (users.length) {
    // forced while containers use it: Docker untags but keeps the image
    for (const t of img.repoTags) await ctx.store.removeTag(t);
    return out;
  }
  out.push(...(await deleteImage(ctx, img)).items);
  return out;
}

/**
 * Removes the record and every layer no remaining image uses. Items are
 * Docker's: the image id, then the chain ids of the deleted layers, top first.
 */
export async function deleteImage(ctx: ImageContext, img: ImageRecord): Promise<{ items: ImageDeleteItem[]; reclaimed: number }> {
  await ctx.store.delete(img.id);
  publishImageEvent(ctx, 'delete', img.id, img.id);
  const gone = await ctx.layers.release(img.chainIds);
  for (const l of gone) {
    // the same diff can sit at another position of another chain; its tar blob stays then
    if (ctx.layers.all().some((x) => x.diffId === l.diffId)) continue;
    await ctx.blobs.remove(l.diffId).catch(() => undefined); // best effort: an orphan blob is only wasted space
  }
  await ctx.blobs.remove(img.manifestDigest).catch(() => undefined);
  return { items: [{ deleted: img.id }, ...gone.map((l) => ({ deleted: l.chainId }))], reclaimed: gone.reduce((n, l) => n + l.size, 0) };
}

/**
 * `docker rmi`: a name removes that reference, and the image goes with its
 * last reference; an id removes every reference of one repository (refused
 * across repositories unless forced). Images used by containers are kept:
 * forcing only untags them, because their layers are the containers' lowerdirs.
 */
import { ConflictError } from '../base/errors';
import { shortId } from '../base/ids';
import { childrenOf, type ImageContext, publishImageEvent } from './image-context';
import { removeUnusedContent } from './layer-content';
import { familiarName, parseReference } from './reference';
import type { ImageDeleteItem, ImageRecord } from './types';

/** True when `ref` named the image by id or id prefix rather than by one of its references. */
function isIdRef(ref: string, img: ImageRecord): boolean {
  const hex = ref.replace(/^sha256:/, '');
  if (!/^[0-9a-f]{1,64}$/.test(hex) || !img.id.slice(7).startsWith(hex)) return false;
  try {
    const r = parseReference(ref);
    return !img.repoTags.includes(`${familiarName(r)}:${r.tag ?? 'latest'}`);
  } catch {
    return true;
  }
}

export async function removeImage(ctx: ImageContext, ref: string, opts: { force?: boolean; noprune?: boolean }): Promise<ImageDeleteItem[]> {
  const img = ctx.store.resolve(ref);
  const users = ctx.usage(img.id);
  const out: ImageDeleteItem[] = [];

  if (!isIdRef(ref, img)) {
    const parsed = parseReference(ref);
    const name = parsed.digest ? `${familiarName(parsed)}@${parsed.digest}` : `${familiarName(parsed)}:${parsed.tag ?? 'latest'}`;
    const repo = familiarName(parsed);
    // Docker: untagging a repository's last tag also drops that repository's digest references
    const sameRepoDigests = parsed.digest || img.repoTags.some((t) => t !== name && familiarName(parseReference(t)) === repo) ? [] : img.repoDigests.filter((d) => familiarName(parseReference(d)) === repo);
    const remaining = img.repoTags.length + img.repoDigests.length - 1 - sameRepoDigests.length;
    if (remaining === 0 && users.length && !opts.force) {
      throw new ConflictError(`conflict: unable to remove repository reference "${ref}" (must force) - container ${shortId(users[0]!)} is using its referenced image ${shortId(img.id)}`, 'IMAGE_IN_USE');
    }
    if (parsed.digest) await ctx.store.removeDigest(name);
    else await ctx.store.removeTag(name);
    publishImageEvent(ctx, 'untag', img.id, img.id); // dockerd names the image id, not the tag
    out.push({ untagged: name });
    for (const d of sameRepoDigests) {
      await ctx.store.removeDigest(d);
      out.push({ untagged: d });
    }
    // an image others were built on stays, untagged, for them (Docker prints only "Untagged")
    if (remaining > 0 || users.length || childrenOf(ctx, img.id).length) return out;
    out.push(...(await deleteImage(ctx, img, { prune: !opts.noprune })).items);
    return out;
  }

  if (childrenOf(ctx, img.id).length && !img.repoTags.length) {
    throw new ConflictError(`conflict: unable to delete ${shortId(img.id)} (cannot be forced) - image has dependent child images`, 'IMAGE_HAS_CHILDREN');
  }
  const repos = new Set([...img.repoTags, ...img.repoDigests].map((t) => familiarName(parseReference(t))));
  if (repos.size > 1 && !opts.force) {
    throw new ConflictError(`conflict: unable to delete ${shortId(img.id)} (must be forced) - image is referenced in multiple repositories`, 'IMAGE_MULTIPLE_REPOS');
  }
  if (users.length && !opts.force) {
    throw new ConflictError(`conflict: unable to delete ${shortId(img.id)} (must be forced) - image is being used by stopped container ${shortId(users[0]!)}`, 'IMAGE_IN_USE');
  }
  for (const t of img.repoTags) {
    await ctx.store.removeTag(t);
    publishImageEvent(ctx, 'untag', img.id, img.id);
    out.push({ untagged: t });
  }
  for (const d of img.repoDigests) {
    await ctx.store.removeDigest(d);
    out.push({ untagged: d });
  }
  if (users.length || childrenOf(ctx, img.id).length) return out; // untagged, kept for its containers or children
  out.push(...(await deleteImage(ctx, img, { prune: !opts.noprune })).items);
  return out;
}

/**
 * Removes the record and every layer no remaining image uses. Items are
 * Docker's: the image id, then the chain ids of the deleted layers, top first.
 */
export async function deleteImage(ctx: ImageContext, img: ImageRecord, opts: { prune?: boolean } = {}): Promise<{ items: ImageDeleteItem[]; reclaimed: number }> {
  const own = await deleteOne(ctx, img);
  // Docker's rmi also deletes the untagged parents nothing else needs (a build's intermediates), unless --no-prune
  let parent = img.parent ? ctx.store.get(img.parent) : undefined;
  while (opts.prune !== false && parent && !parent.repoTags.length && !parent.repoDigests.length && !ctx.usage(parent.id).length && !childrenOf(ctx, parent.id).length) {
    const r = await deleteOne(ctx, parent);
    own.items.push(...r.items);
    own.reclaimed += r.reclaimed;
    parent = parent.parent ? ctx.store.get(parent.parent) : undefined;
  }
  return own;
}

async function deleteOne(ctx: ImageContext, img: ImageRecord): Promise<{ items: ImageDeleteItem[]; reclaimed: number }> {
  await ctx.store.delete(img.id);
  publishImageEvent(ctx, 'delete', img.id, img.id);
  const gone = await ctx.layers.release(img.chainIds);
  // the same diff can sit at another position of another chain; its blob stays then
  await removeUnusedContent(ctx, gone);
  await ctx.blobs.remove(img.manifestDigest).catch(() => undefined);
  await ctx.blobs.remove(img.id).catch(() => undefined);
  return { items: [{ deleted: img.id }, ...gone.map((l) => ({ deleted: l.chainId }))], reclaimed: gone.reduce((n, l) => n + l.size, 0) };
}

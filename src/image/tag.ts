/** `docker tag`: points a name:tag at an image; the image that had it loses it. */
import { InvalidArgumentError } from '../base/errors';
import { type ImageContext, publishImageEvent } from './image-context';
import { familiarName, familiarTagged, parseReference } from './reference';

export async function tagImage(ctx: ImageContext, ref: string, repo: string, tag?: string): Promise<void> {
  if (!repo) throw new InvalidArgumentError('invalid reference format', 'INVALID_REFERENCE');
  const target = parseReference(tag ? `${repo}:${tag}` : repo);
  if (target.digest) throw new InvalidArgumentError('refusing to create a tag with a digest reference', 'TAG_WITH_DIGEST');
  // "sha256:x" would read as an image id prefix wherever it is used; dockerd checks this before the source image
  if (familiarName(target) === 'sha256') throw new InvalidArgumentError('refusing to create an ambiguous tag using digest algorithm as name', 'AMBIGUOUS_TAG');
  const img = ctx.store.resolve(ref);
  const name = familiarTagged(target);
  await ctx.store.setTag(name, img.id);
  publishImageEvent(ctx, 'tag', img.id, name);
}

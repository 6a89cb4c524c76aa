/** `docker tag`: points a name:tag at an image; the image that had it loses it. */
import { InvalidArgumentError } from '../base/errors';
import { type ImageContext, publishImageEvent } from './image-context';
import { familiarTagged, parseReference } from './reference';

export async function tagImage(ctx: ImageContext, ref: string, repo: string, tag?: string): Promise<void> {
  const img = ctx.store.resolve(ref);
  if (!repo) throw new InvalidArgumentError('invalid reference format', 'INVALID_REFERENCE');
  const target = parseReference(tag ? `${repo}:${tag}` : repo);
  if (target.digest) throw new InvalidArgumentError('refusing to create a tag with a digest reference', 'TAG_WITH_DIGEST');
  const name = familiarTagged(target);
  await ctx.store.setTag(name, img.id);
  publishImageEvent(ctx, 'tag', img.id, name);
}

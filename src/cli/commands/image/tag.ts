/** `berth tag SOURCE TARGET`: POST /images/{source}/tag?repo=<normalised>&tag=. */
import type { CommandModule } from '../../command-module';
import { normalizeReference } from '../../requests/image-reference';
import { CliExit } from '../../exit-codes';

export const command: CommandModule<Record<string, never>> = {
  usage: 'SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
  description: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE',
  flags: [],
  minArgs: 2,
  maxArgs: 2,
  async run(ctx, [source, target]) {
    const ref = normalizeReference(target!);
    if (ref.digest) throw new CliExit(1, 'refusing to create a tag with a digest reference');
    const client = await ctx.client();
    await client.images.tag(source!, ref.repository, ref.tag);
    return 0;
  },
};

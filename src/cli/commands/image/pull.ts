/** `berth pull NAME[:TAG]`: POST /images/create?fromImage=<normalised>&tag=, progress to stdout. */
import type { CommandModule } from '../../command-module';
import { encodeRegistryAuth, readCredentials, registryOfRepository } from '../../auth/credential-file';
import { normalizeReference } from '../../requests/image-reference';
import { renderProgress } from './pull-progress';

export const command: CommandModule<{ quiet?: boolean; platform?: string }> = {
  usage: '[OPTIONS] NAME[:TAG|@DIGEST]',
  description: 'Download an image from a registry',
  flags: [
    { flags: '-q, --quiet', key: 'quiet', kind: 'bool', description: 'Suppress verbose output' },
    { flags: '--platform', key: 'platform', kind: 'string', description: 'Set platform if server is multi-platform capable' },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, [name], f) {
    const ref = normalizeReference(name!);
    const client = await ctx.client();
    if (!f.quiet && ref.tag && !name!.includes(':' + ref.tag)) ctx.out.write(`Using default tag: ${ref.tag}\n`);
    const creds = await readCredentials(ctx.env, registryOfRepository(ref.repository));
    const res = await client.images.pull(ref.repository, ref.digest ?? ref.tag, encodeRegistryAuth(creds));
    await renderProgress(res, ctx.out, !!f.quiet);
    if (f.quiet) ctx.out.write(`${ref.repository}${ref.digest ? '@' + ref.digest : ':' + ref.tag}\n`);
    return 0;
  },
};

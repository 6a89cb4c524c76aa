/** `berth push NAME[:TAG]`: POST /images/{name}/push?tag= with the stored credentials, progress to stdout. */
import type { CommandModule } from '../../command-module';
import { encodeRegistryAuth, readCredentials, registryOfRepository } from '../../auth/credential-file';
import { normalizeReference } from '../../requests/image-reference';
import { renderProgress } from './pull-progress';

export const command: CommandModule<{ quiet?: boolean }> = {
  usage: '[OPTIONS] NAME[:TAG]',
  description: 'Upload an image to a registry',
  flags: [{ flags: '-q, --quiet', key: 'quiet', kind: 'bool', description: 'Suppress verbose output' }],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, [name], f) {
    const ref = normalizeReference(name!);
    const client = await ctx.client();
    if (!f.quiet && ref.tag && !name!.includes(':' + ref.tag)) ctx.out.write(`Using default tag: ${ref.tag}\n`);
    const creds = await readCredentials(ctx.env, registryOfRepository(ref.repository));
    const repo = ref.repository.replace(/^docker\.io\/(library\/)?/, '');
    const res = await client.images.push(repo, ref.tag, encodeRegistryAuth(creds));
    await renderProgress(res, ctx.out, !!f.quiet);
    if (f.quiet) ctx.out.write(`${repo}:${ref.tag}\n`);
    return 0;
  },
};

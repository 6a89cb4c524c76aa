/** `berth push [-a] NAME[:TAG]`: POST /images/{name}/push?tag= (no tag: every local tag) with the stored credentials, progress to stdout. */
import type { CommandModule } from '../../command-module';
import { encodeRegistryAuth, readCredentials, registryOfRepository } from '../../auth/credential-file';
import { normalizeReference } from '../../requests/image-reference';
import { renderProgress } from './pull-progress';
import { CliExit } from '../../exit-codes';

export const command: CommandModule<{ quiet?: boolean; allTags?: boolean }> = {
  usage: '[OPTIONS] NAME[:TAG]',
  description: 'Upload an image to a registry',
  flags: [
    { flags: '-a, --all-tags', key: 'allTags', kind: 'bool', description: 'Push all tags of an image to the repository' },
    { flags: '-q, --quiet', key: 'quiet', kind: 'bool', description: 'Suppress verbose output' },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, [name], f) {
    const ref = normalizeReference(name!);
    const tagged = ref.tag !== undefined && name!.includes(':' + ref.tag);
    if (f.allTags && tagged) throw new CliExit(1, 'tag can\'t be used with --all-tags/-a');
    const client = await ctx.client();
    if (!f.quiet && !f.allTags && ref.tag && !tagged) ctx.out.write(`Using default tag: ${ref.tag}\n`);
    const creds = await readCredentials(ctx.env, registryOfRepository(ref.repository));
    const repo = ref.repository.replace(/^docker\.io\/(library\/)?/, '');
    const res = await client.images.push(repo, f.allTags ? undefined : ref.tag, encodeRegistryAuth(creds));
    await renderProgress(res, ctx.out, !!f.quiet);
    if (f.quiet) ctx.out.write(f.allTags ? `${repo}\n` : `${repo}:${ref.tag}\n`);
    return 0;
  },
};

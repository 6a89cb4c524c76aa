/** `berth import FILE|- [REPO[:TAG]]`: POST /images/create?fromSrc=- with the tar; prints the image ID. */
import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import type { CommandModule } from '../../command-module';
import { CliExit } from '../../exit-codes';
import { readJsonLines, type ProgressMessage } from '../../../client/json-lines';
import { DockerApiError } from '../../../client/api-error';

export const command: CommandModule<{ change: string[]; message?: string; platform?: string }> = {
  usage: '[OPTIONS] file|URL|- [REPOSITORY[:TAG]]',
  description: 'Import the contents from a tarball to create a filesystem image',
  flags: [
    { flags: '-c, --change', key: 'change', kind: 'list', description: 'Apply Dockerfile instruction to the created image' },
    { flags: '-m, --message', key: 'message', kind: 'string', description: 'Set commit message for imported image' },
    { flags: '--platform', key: 'platform', kind: 'string', description: 'Set platform if server is multi-platform capable' },
  ],
  minArgs: 1,
  maxArgs: 2,
  async run(ctx, [source, repo], f) {
    if (/^https?:\/\//.test(source!)) throw new CliExit(1, 'importing from a URL is not supported by berth');
    const body: Readable = source === '-' ? ctx.streams.stdin : fs.createReadStream(source!);
    const client = await ctx.client();
    // the CLI sends the whole reference as `repo` (e.g. repo=recimported:1)
    const res = await client.images.import(body, { repo, message: f.message, changes: f.change, platform: f.platform });
    for await (const m of readJsonLines<ProgressMessage>(res)) {
      if (m.error || m.errorDetail) throw new DockerApiError(500, m.errorDetail?.message ?? m.error ?? 'import failed');
      if (m.status) ctx.out.write(`${m.status}\n`);
    }
    return 0;
  },
};

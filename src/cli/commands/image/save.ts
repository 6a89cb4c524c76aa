/** `berth save [-o FILE] IMAGE...`: GET /images/get?names=…, tar to a file or stdout. */
import * as fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { CommandModule } from '../../command-module';
import { CliExit } from '../../exit-codes';

export const command: CommandModule<{ output?: string }> = {
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  description: 'Save one or more images to a tar archive (streamed to STDOUT by default)',
  flags: [{ flags: '-o, --output', key: 'output', kind: 'string', description: 'Write to a file, instead of STDOUT' }],
  minArgs: 1,
  async run(ctx, names, f) {
    if (!f.output && ctx.out.isTTY) throw new CliExit(1, 'cowardly refusing to save to a terminal. Use the -o flag or redirect');
    const client = await ctx.client();
    const res = await client.images.save(names);
    await pipeline(res, f.output ? fs.createWriteStream(f.output) : ctx.out, { end: !!f.output });
    return 0;
  },
};

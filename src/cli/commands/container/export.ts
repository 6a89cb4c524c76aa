/** `berth export [-o FILE] CONTAINER`: GET /containers/{id}/export, tar to a file or stdout. */
import * as fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { CommandModule } from '../../command-module';
import { CliExit } from '../../exit-codes';

export const command: CommandModule<{ output?: string }> = {
  usage: '[OPTIONS] CONTAINER',
  description: "Export a container's filesystem as a tar archive",
  flags: [{ flags: '-o, --output', key: 'output', kind: 'string', description: 'Write to a file, instead of STDOUT' }],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, [name], f) {
    if (!f.output && ctx.out.isTTY) throw new CliExit(1, 'cowardly refusing to save to a terminal. Use the -o flag or redirect');
    const client = await ctx.client();
    const res = await client.containers.export(name!);
    await pipeline(res, f.output ? fs.createWriteStream(f.output) : ctx.out);
    return 0;
  },
};

/** `berth load [-i FILE]`: POST /images/load?quiet=1 with the tar; prints "Loaded image: …". */
import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import type { CommandModule } from '../../command-module';
import { CliExit } from '../../exit-codes';
import { renderProgress } from './pull-progress';

export const command: CommandModule<{ input?: string; quiet?: boolean }> = {
  usage: '[OPTIONS]',
  description: 'Load an image from a tar archive or STDIN',
  flags: [
    { flags: '-i, --input', key: 'input', kind: 'string', description: 'Read from tar archive file, instead of STDIN' },
    { flags: '-q, --quiet', key: 'quiet', kind: 'bool', description: 'Suppress the load output' },
  ],
  maxArgs: 0,
  async run(ctx, _args, f) {
    const stdin = ctx.streams.stdin;
    if (!f.input && stdin.isTTY) throw new CliExit(1, 'requested load from stdin, but stdin is empty');
    const body: Readable = f.input ? fs.createReadStream(f.input) : stdin;
    const client = await ctx.client();
    // the docker CLI sends quiet=1 in both cases and prints the answer's stream lines
    const res = await client.images.load(body, true);
    await renderProgress(res, ctx.out, !!f.quiet);
    return 0;
  },
};

/** `berth network inspect`: the daemon's raw JSON as a 4-space-indented array, or `--format` per network. */
import type { CommandModule } from '../../command-module';
import { pathSegment } from '../../../client/transport';
import { indentJsonArray } from '../../output/json-indent';
import { GoTemplate } from '../../output/go-template';
import { unescapeFormat } from '../../output/list-format';

export const command: CommandModule<{ format?: string; verbose?: boolean }> = {
  usage: '[OPTIONS] NETWORK [NETWORK...]',
  description: 'Display detailed information on one or more networks',
  flags: [
    { flags: '-f, --format', key: 'format', kind: 'string', description: "Format output using a custom template: 'json', 'TEMPLATE'" },
    { flags: '-v, --verbose', key: 'verbose', kind: 'bool', description: 'Verbose output for diagnostics' },
  ],
  minArgs: 1,
  async run(ctx, names, f) {
    const client = await ctx.client();
    const docs: string[] = [];
    let failed = false;
    for (const n of names) {
      try {
        docs.push(await client.getRaw(`/networks/${pathSegment(n)}`));
      } catch (e) {
        failed = true;
        const err = e as Error;
        ctx.err.write(err.name === 'DockerApiError' ? `Error response from daemon: ${err.message}\n` : `${err.message}\n`);
      }
    }
    if (f.format && f.format !== 'json') {
      const tmpl = new GoTemplate(unescapeFormat(f.format));
      for (const d of docs) ctx.out.write(`${tmpl.execute(JSON.parse(d))}\n`);
    } else {
      ctx.out.write(`${indentJsonArray(docs)}\n`);
    }
    return failed ? 1 : 0;
  },
};

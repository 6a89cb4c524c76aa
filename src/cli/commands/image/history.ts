/** `berth history IMAGE`: GET /images/{name}/history. */
import type { CommandModule } from '../../command-module';
import { renderList } from '../../output/list-format';
import { HISTORY_DEFAULT_TABLE, HISTORY_HEADERS, toHistoryRow } from '../../output/image-view';

export const command: CommandModule<{ format?: string; human?: boolean; noTrunc?: boolean; quiet?: boolean }> = {
  usage: '[OPTIONS] IMAGE',
  description: 'Show the history of an image',
  flags: [
    { flags: '--format', key: 'format', kind: 'string', description: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', 'TEMPLATE'" },
    { flags: '-H, --human', key: 'human', kind: 'bool', description: 'Print sizes and dates in human readable format', default: true },
    { flags: '--no-trunc', key: 'noTrunc', kind: 'bool', description: "Don't truncate output" },
    { flags: '-q, --quiet', key: 'quiet', kind: 'bool', description: 'Only show image IDs' },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, [name], f) {
    const client = await ctx.client();
    const items = await client.images.history(name!);
    const rows = items.map((h) => toHistoryRow(h, { noTrunc: !!f.noTrunc, human: f.human !== false }));
    ctx.out.write(renderList(rows, f.quiet ? '{{.ID}}' : f.format, { defaultTable: HISTORY_DEFAULT_TABLE, headers: HISTORY_HEADERS }));
    return 0;
  },
};

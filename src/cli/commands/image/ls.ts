/** `berth images`: GET /images/json (all, filters), one row per tag like docker. */
import type { CommandModule } from '../../command-module';
import { parseFilterFlags } from '../../requests/filters';
import { renderList } from '../../output/list-format';
import { IMAGES_DEFAULT_TABLE, IMAGES_DIGESTS_TABLE, IMAGES_HEADERS, toImageRows } from '../../output/image-view';

interface ImagesFlags {
  all?: boolean;
  digests?: boolean;
  filter: string[];
  format?: string;
  noTrunc?: boolean;
  quiet?: boolean;
}

export const command: CommandModule<ImagesFlags> = {
  usage: '[OPTIONS] [REPOSITORY[:TAG]]',
  description: 'List images',
  flags: [
    { flags: '-a, --all', key: 'all', kind: 'bool', description: 'Show all images (default hides intermediate images)' },
    { flags: '--digests', key: 'digests', kind: 'bool', description: 'Show digests' },
    { flags: '-f, --filter', key: 'filter', kind: 'list', description: 'Filter output based on conditions provided' },
    { flags: '--format', key: 'format', kind: 'string', description: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', 'TEMPLATE'" },
    { flags: '--no-trunc', key: 'noTrunc', kind: 'bool', description: "Don't truncate output" },
    { flags: '-q, --quiet', key: 'quiet', kind: 'bool', description: 'Only show image IDs' },
  ],
  maxArgs: 1,
  async run(ctx, [repo], f) {
    const client = await ctx.client();
    const filters = parseFilterFlags(f.filter) ?? {};
    if (repo) (filters.reference ??= {})[repo] = true;
    const list = await client.images.list({ all: f.all, filters: Object.keys(filters).length ? filters : undefined });
    const rows = list.flatMap((img) => toImageRows(img, { noTrunc: !!f.noTrunc }));
    if (f.quiet) {
      const seen = new Set<string>();
      for (const r of rows) if (!seen.has(r.ID)) seen.add(r.ID) && ctx.out.write(`${r.ID}\n`);
      return 0;
    }
    const table = f.digests ? IMAGES_DIGESTS_TABLE : IMAGES_DEFAULT_TABLE;
    ctx.out.write(renderList(rows, f.format, { defaultTable: table, headers: IMAGES_HEADERS }));
    return 0;
  },
};

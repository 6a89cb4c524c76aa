/** `berth volume ls`: GET /volumes (filters), sorted by name, docker's columns DRIVER, VOLUME NAME. */
import type { CommandModule } from '../../command-module';
import type { Volume } from '../../../protocol/docker/volume';
import { parseFilterFlags } from '../../requests/filters';
import { renderList } from '../../output/list-format';

interface LsFlags {
  filter: string[];
  format?: string;
  quiet?: boolean;
}

const DEFAULT_TABLE = 'table {{.Driver}}\t{{.Name}}';
const HEADERS: Record<string, string> = {
  Name: 'VOLUME NAME', Driver: 'DRIVER', Scope: 'SCOPE', Mountpoint: 'MOUNTPOINT', Labels: 'LABELS', Links: 'LINKS', Size: 'SIZE', Label: 'LABEL',
};

export interface VolumeRow {
  Name: string;
  Driver: string;
  Scope: string;
  Mountpoint: string;
  Labels: string;
  /** docker/cli prints N/A outside `system df -v` */
  Links: string;
  Size: string;
  Label(name: string): string;
}

export function toVolumeRow(v: Volume): VolumeRow {
  const labels = v.Labels ?? {};
  return {
    Name: v.Name,
    Driver: v.Driver,
    Scope: v.Scope,
    Mountpoint: v.Mountpoint,
    Labels: Object.keys(labels).map((k) => `${k}=${labels[k]}`).join(','),
    Links: 'N/A',
    Size: 'N/A',
    Label: (name: string) => labels[name] ?? '',
  };
}

/** docker/cli sorts volumes by name in natural order ("v2" before "v10"). */
export function sortVolumes(list: Volume[]): Volume[] {
  return [...list].sort((a, b) => a.Name.localeCompare(b.Name, 'en', { numeric: true, sensitivity: 'variant' }));
}

export const command: CommandModule<LsFlags> = {
  usage: '[OPTIONS]',
  description: 'List volumes',
  flags: [
    { flags: '-f, --filter', key: 'filter', kind: 'list', description: "Provide filter values (e.g. 'dangling=true')" },
    { flags: '--format', key: 'format', kind: 'string', description: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', 'TEMPLATE'" },
    { flags: '-q, --quiet', key: 'quiet', kind: 'bool', description: 'Only display volume names' },
  ],
  maxArgs: 0,
  async run(ctx, _args, f) {
    const client = await ctx.client();
    const r = await client.volumes.list(parseFilterFlags(f.filter));
    const rows = sortVolumes(r.Volumes ?? []).map(toVolumeRow);
    if (f.quiet) {
      for (const row of rows) ctx.out.write(`${row.Name}\n`);
      return 0;
    }
    ctx.out.write(renderList(rows, f.format, { defaultTable: DEFAULT_TABLE, headers: HEADERS }));
    return 0;
  },
};

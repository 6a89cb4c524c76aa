/** `berth events`: GET /events (since/until/filters), one line per event or `--format`. */
import type { CommandModule } from '../../command-module';
import { parseFilterFlags } from '../../requests/filters';
import { toApiTimestamp } from '../../output/humanize';
import { readJsonLines } from '../../../client/json-lines';
import type { EventMessage } from '../../../client/wire-types';
import { GoTemplate } from '../../output/go-template';
import { unescapeFormat } from '../../output/list-format';

/** "2026-11-28T04:23:41.980937481Z container die <id> (exitCode=0, image=bb, name=att)" */
export function formatEvent(e: EventMessage): string {
  const ns = BigInt(e.timeNano ?? e.time * 1e9);
  const sec = Number(ns / 1000000000n);
  const frac = String(ns % 1000000000n).padStart(9, '0');
  const when = new Date(sec * 1000).toISOString().replace(/\.\d{3}Z$/, `.${frac}Z`);
  const attrs = e.Actor?.Attributes ?? {};
  const keys = Object.keys(attrs).sort();
  const tail = keys.length ? ` (${keys.map((k) => `${k}=${attrs[k]}`).join(', ')})` : '';
  return `${when} ${e.Type} ${e.Action} ${e.Actor?.ID ?? ''}${tail}`;
}

export const command: CommandModule<{ filter: string[]; format?: string; since?: string; until?: string }> = {
  usage: '[OPTIONS]',
  description: 'Get real time events from the server',
  flags: [
    { flags: '-f, --filter', key: 'filter', kind: 'list', description: 'Filter output based on conditions provided' },
    { flags: '--format', key: 'format', kind: 'string', description: "Format output using a custom template: 'json', 'TEMPLATE'" },
    { flags: '--since', key: 'since', kind: 'string', description: 'Show all events created since timestamp' },
    { flags: '--until', key: 'until', kind: 'string', description: 'Stream events until this timestamp' },
  ],
  maxArgs: 0,
  async run(ctx, _args, f) {
    const client = await ctx.client();
    const res = await client.system.events({
      since: f.since ? toApiTimestamp(f.since) : undefined,
      until: f.until ? toApiTimestamp(f.until) : undefined,
      filters: parseFilterFlags(f.filter),
    });
    const tmpl = f.format ? new GoTemplate(f.format === 'json' ? '{{json .}}' : unescapeFormat(f.format)) : undefined;
    for await (const e of readJsonLines<EventMessage>(res)) ctx.out.write(`${tmpl ? tmpl.execute(e) : formatEvent(e)}\n`);
    return 0;
  },
};

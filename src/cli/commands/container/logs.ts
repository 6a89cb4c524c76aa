/** `berth logs`: inspect (for Tty) → GET /containers/{id}/logs, demuxed to stdout/stderr. */
import type { CommandModule } from '../../command-module';
import { toApiTimestamp } from '../../output/humanize';

interface LogsFlags {
  details?: boolean;
  follow?: boolean;
  since?: string;
  tail?: string;
  timestamps?: boolean;
  until?: string;
}

export const command: CommandModule<LogsFlags> = {
  usage: '[OPTIONS] CONTAINER',
  description: 'Fetch the logs of a container',
  flags: [
    { flags: '--details', key: 'details', kind: 'bool', description: 'Show extra details provided to logs' },
    { flags: '-f, --follow', key: 'follow', kind: 'bool', description: 'Follow log output' },
    { flags: '--since', key: 'since', kind: 'string', description: 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' },
    { flags: '-n, --tail', key: 'tail', kind: 'string', description: 'Number of lines to show from the end of the logs', default: 'all' },
    { flags: '-t, --timestamps', key: 'timestamps', kind: 'bool', description: 'Show timestamps' },
    { flags: '--until', key: 'until', kind: 'string', description: 'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, [name], f) {
    const client = await ctx.client();
    const info = await client.containers.inspect(name!);
    const res = await client.containers.logs(info.Id, {
      stdout: true,
      stderr: true,
      follow: f.follow,
      since: f.since ? toApiTimestamp(f.since) : undefined,
      until: f.until ? toApiTimestamp(f.until) : undefined,
      timestamps: f.timestamps,
      tail: f.tail,
    });
    const { StdcopyDemuxer } = require('../../../client/stdcopy') as typeof import('../../../client/stdcopy');
    const demux = info.Config.Tty ? undefined : new StdcopyDemuxer((s, p) => (s === 2 ? ctx.err : ctx.out).write(p));
    for await (const chunk of res) {
      if (demux) demux.push(chunk as Buffer);
      else ctx.out.write(chunk as Buffer);
    }
    return 0;
  },
};

/** `berth version`: client facts plus GET /version, as docker prints them (or via --format). */
import type { CommandModule } from '../../command-module';
import { API_VERSION, BERTH_VERSION } from '../../../base/version';
import { GoTemplate } from '../../output/go-template';
import { unescapeFormat } from '../../output/list-format';

export const command: CommandModule<{ format?: string }> = {
  usage: '[OPTIONS]',
  description: 'Show the Berth version information',
  flags: [{ flags: '-f, --format', key: 'format', kind: 'string', description: "Format output using a custom template: 'json', 'TEMPLATE'" }],
  maxArgs: 0,
  async run(ctx, _args, f) {
    const clientInfo = {
      Version: BERTH_VERSION,
      ApiVersion: API_VERSION,
      DefaultAPIVersion: API_VERSION,
      GoVersion: process.version,
      Os: process.platform,
      Arch: process.arch === 'x64' ? 'amd64' : process.arch,
    };
    let server: Record<string, unknown> | undefined;
    let error: Error | undefined;
    try {
      const client = await ctx.client();
      server = await client.system.version();
      clientInfo.ApiVersion = client.apiVersion;
    } catch (e) {
      error = e as Error;
    }
    if (f.format) {
      const data = { Client: clientInfo, Server: server ?? null };
      const fmt = f.format === 'json' ? '{{json .}}' : unescapeFormat(f.format);
      ctx.out.write(`${new GoTemplate(fmt).execute(data)}\n`);
    } else {
      const downgraded = clientInfo.ApiVersion !== API_VERSION ? ` (downgraded from ${API_VERSION})` : '';
      ctx.out.write(['Client:', ` Version:           ${clientInfo.Version}`, ` API version:       ${clientInfo.ApiVersion}${downgraded}`, ` Node version:      ${clientInfo.GoVersion}`, ` OS/Arch:           ${clientInfo.Os}/${clientInfo.Arch}`, ''].join('\n'));
      if (server) {
        const s = server as { Version?: string; ApiVersion?: string; MinAPIVersion?: string; GitCommit?: string; GoVersion?: string; Os?: string; Arch?: string; KernelVersion?: string; BuildTime?: string; Platform?: { Name?: string } };
        ctx.out.write(['', `Server:${s.Platform?.Name ? ' ' + s.Platform.Name : ''}`, ' Engine:', `  Version:          ${s.Version ?? ''}`, `  API version:      ${s.ApiVersion ?? ''} (minimum version ${s.MinAPIVersion ?? ''})`, `  Go version:       ${s.GoVersion ?? ''}`, `  Git commit:       ${s.GitCommit ?? ''}`, `  Built:            ${s.BuildTime ?? ''}`, `  OS/Arch:          ${s.Os ?? ''}/${s.Arch ?? ''}`, `  Kernel version:   ${s.KernelVersion ?? ''}`, ''].join('\n'));
      }
    }
    if (error) {
      ctx.err.write(`${error.name === 'DockerApiError' ? 'Error response from daemon: ' : ''}${error.message}\n`);
      return 1;
    }
    return 0;
  },
};

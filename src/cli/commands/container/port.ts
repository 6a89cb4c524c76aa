/** `berth port CONTAINER [PRIVATE_PORT[/PROTO]]`: the port map from the container's inspect. */
import type { CommandModule } from '../../command-module';
import { CliExit } from '../../exit-codes';

function hostAddr(ip: string, port: string): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip || '0.0.0.0'}:${port}`;
}

export const command: CommandModule<Record<string, never>> = {
  usage: 'CONTAINER [PRIVATE_PORT[/PROTO]]',
  description: 'List port mappings or a specific mapping for the container',
  flags: [],
  minArgs: 1,
  maxArgs: 2,
  async run(ctx, [name, wanted]) {
    const client = await ctx.client();
    const info = await client.containers.inspect(name!);
    const ports = info.NetworkSettings?.Ports ?? {};
    if (wanted) {
      const key = wanted.includes('/') ? wanted : `${wanted}/tcp`;
      const b = ports[key];
      if (!b || !b.length) throw new CliExit(1, `Error: No public port '${key}' published for ${name}`);
      for (const x of b) ctx.out.write(`${hostAddr(x.HostIp, x.HostPort)}\n`);
      return 0;
    }
    const keys = Object.keys(ports).sort((a, b) => parseInt(a, 10) - parseInt(b, 10) || a.localeCompare(b));
    for (const k of keys) for (const x of ports[k] ?? []) ctx.out.write(`${k} -> ${hostAddr(x.HostIp, x.HostPort)}\n`);
    return 0;
  },
};

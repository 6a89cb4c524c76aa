/** `berth info`: GET /info, a readable summary or `--format`. */
import type { CommandModule } from '../../command-module';
import { GoTemplate } from '../../output/go-template';
import { unescapeFormat } from '../../output/list-format';
import { binarySize } from '../../output/humanize';

export const command: CommandModule<{ format?: string }> = {
  usage: '[OPTIONS]',
  description: 'Display system-wide information',
  flags: [{ flags: '-f, --format', key: 'format', kind: 'string', description: "Format output using a custom template: 'json', 'TEMPLATE'" }],
  maxArgs: 0,
  async run(ctx, _args, f) {
    const client = await ctx.client();
    const info = await client.system.info();
    if (f.format) {
      ctx.out.write(`${new GoTemplate(f.format === 'json' ? '{{json .}}' : unescapeFormat(f.format)).execute(info)}\n`);
      return 0;
    }
    const v = (k: string): string => (info[k] === undefined || info[k] === null ? '' : String(info[k]));
    const lines = [
      'Server:',
      ` Containers: ${v('Containers')}`,
      `  Running: ${v('ContainersRunning')}`,
      `  Paused: ${v('ContainersPaused')}`,
      `  Stopped: ${v('ContainersStopped')}`,
      ` Images: ${v('Images')}`,
      ` Server Version: ${v('ServerVersion')}`,
      ` Storage Driver: ${v('Driver')}`,
      ` Logging Driver: ${v('LoggingDriver')}`,
      ` Cgroup Driver: ${v('CgroupDriver')}`,
      ` Cgroup Version: ${v('CgroupVersion')}`,
      ` Default Runtime: ${v('DefaultRuntime')}`,
      ` Kernel Version: ${v('KernelVersion')}`,
      ` Operating System: ${v('OperatingSystem')}`,
      ` OSType: ${v('OSType')}`,
      ` Architecture: ${v('Architecture')}`,
      ` CPUs: ${v('NCPU')}`,
      ` Total Memory: ${binarySize(Number(info.MemTotal ?? 0))}`,
      ` Name: ${v('Name')}`,
      ` ID: ${v('ID')}`,
      ` Docker Root Dir: ${v('DockerRootDir')}`,
      ` Debug Mode: ${v('Debug')}`,
      '',
    ];
    ctx.out.write(lines.join('\n'));
    return 0;
  },
};

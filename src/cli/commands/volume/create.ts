/** `berth volume create`: flags → VolumeCreateRequest (as docker/cli builds it) → POST /volumes/create; prints the name. */
import type { CommandModule } from '../../command-module';
import type { VolumeCreateRequest } from '../../../protocol/docker/volume';
import { CliExit } from '../../exit-codes';
import { parseKeyValues } from '../network/create';

interface CreateFlags {
  driver: string;
  label: string[];
  opt: string[];
  name?: string;
}

export const command: CommandModule<CreateFlags> = {
  usage: '[OPTIONS] [VOLUME]',
  description: 'Create a volume',
  flags: [
    { flags: '-d, --driver', key: 'driver', kind: 'string', default: 'local', description: 'Specify volume driver name' },
    { flags: '--label', key: 'label', kind: 'list', description: 'Set metadata for a volume' },
    { flags: '-o, --opt', key: 'opt', kind: 'list', description: 'Set driver specific options' },
    { flags: '--name', key: 'name', kind: 'string', description: 'Specify volume name' },
  ],
  maxArgs: 1,
  async run(ctx, [arg], f) {
    if (arg && f.name && arg !== f.name) throw new CliExit(1, `conflicting options: cannot specify a volume-name through both --name and as a positional arg`);
    const body: VolumeCreateRequest = { Driver: f.driver, Name: arg ?? f.name ?? '' };
    if (f.opt.length) body.DriverOpts = parseKeyValues(f.opt);
    if (f.label.length) body.Labels = parseKeyValues(f.label);
    const client = await ctx.client();
    const v = await client.volumes.create(body);
    ctx.out.write(`${v.Name}\n`);
    return 0;
  },
};

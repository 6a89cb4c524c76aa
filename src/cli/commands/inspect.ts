/**
 * `inspect`, `container inspect`, `image inspect`: raw daemon JSON printed as a
 * 4-space-indented array, or `--format` applied per object. The generic form probes
 * container → image → network → volume like the docker CLI.
 */
import type { CommandModule } from '../command-module';
import type { CliContext } from '../cli-context';
import type { DockerClient } from '../../client/docker-client';
import { pathSegment } from '../../client/transport';
import { indentJsonArray } from '../output/json-indent';
import { GoTemplate } from '../output/go-template';
import { unescapeFormat } from '../output/list-format';

export interface InspectFlags {
  format?: string;
  size?: boolean;
  type?: string;
}

export type Kind = 'container' | 'image' | 'network' | 'volume';
const PATHS: Record<Kind, (n: string) => string> = {
  container: (n) => `/containers/${pathSegment(n)}/json`,
  image: (n) => `/images/${pathSegment(n)}/json`,
  network: (n) => `/networks/${pathSegment(n)}`,
  volume: (n) => `/volumes/${pathSegment(n)}`,
};

async function fetchOne(client: DockerClient, name: string, kinds: Kind[], size: boolean): Promise<string> {
  let last: unknown;
  for (const k of kinds) {
    try {
      return await client.getRaw(PATHS[k](name) + (k === 'container' && size ? '?size=1' : ''));
    } catch (e) {
      const err = e as Error & { status?: number };
      if (err.status !== 404) throw e;
      last = e;
    }
  }
  if (kinds.length > 1) throw new Error(`Error: No such object: ${name}`);
  throw last;
}

/** Prints each object as the daemon returned it; a failure is reported and the rest still print. */
export async function inspect(ctx: CliContext, names: string[], f: InspectFlags, kinds: Kind[]): Promise<number> {
  const client = await ctx.client();
  const docs: string[] = [];
  let failed = false;
  for (const n of names) {
    try {
      docs.push(await fetchOne(client, n, kinds, !!f.size));
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
}

export const FORMAT_FLAG = { flags: '-f, --format', key: 'format', kind: 'string', description: "Format output using a custom template: 'json', 'TEMPLATE'" } as const;

export const containerInspect: CommandModule<InspectFlags> = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Display detailed information on one or more containers',
  flags: [FORMAT_FLAG, { flags: '-s, --size', key: 'size', kind: 'bool', description: 'Display total file sizes' }],
  minArgs: 1,
  run: (ctx, names, f) => inspect(ctx, names, f, ['container']),
};

export const imageInspect: CommandModule<InspectFlags> = {
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  description: 'Display detailed information on one or more images',
  flags: [FORMAT_FLAG],
  minArgs: 1,
  run: (ctx, names, f) => inspect(ctx, names, f, ['image']),
};

export const anyInspect: CommandModule<InspectFlags> = {
  usage: '[OPTIONS] NAME|ID [NAME|ID...]',
  description: 'Return low-level information on Docker objects',
  flags: [
    FORMAT_FLAG,
    { flags: '-s, --size', key: 'size', kind: 'bool', description: 'Display total file sizes if the type is container' },
    { flags: '--type', key: 'type', kind: 'string', description: 'Only inspect objects of the given type' },
  ],
  minArgs: 1,
  run: (ctx, names, f) => {
    const all: Kind[] = ['container', 'image', 'network', 'volume'];
    if (f.type && !all.includes(f.type as Kind)) throw new Error(`"${f.type}" is not a valid value for --type`);
    return inspect(ctx, names, f, f.type ? [f.type as Kind] : all);
  },
};

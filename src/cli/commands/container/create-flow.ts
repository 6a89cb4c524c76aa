/**
 * Create with the CLI's image fallback: create → 404 "No such image" → pull → create
 * (honouring --pull always|missing|never), then write --cidfile.
 */
import * as fs from 'node:fs';
import type { CliContext } from '../../cli-context';
import type { ContainerFlags } from '../../requests/container-flags';
import { buildContainerCreate, FlagValueError } from '../../requests/container-create';
import { CliExit, EXIT_DAEMON } from '../../exit-codes';
import { DockerApiError } from '../../../client/api-error';
import { normalizeReference } from '../../requests/image-reference';
import { renderProgress } from '../image/pull-progress';

async function pullImage(ctx: CliContext, image: string, quiet: boolean): Promise<void> {
  const client = await ctx.client();
  const ref = normalizeReference(image);
  const res = await client.images.pull(ref.repository, ref.digest ? ref.digest : ref.tag);
  await renderProgress(res, ctx.err, quiet);
}

export async function createContainer(ctx: CliContext, image: string, command: string[], flags: ContainerFlags, detach: boolean): Promise<string> {
  if (flags.pull && !['always', 'missing', 'never'].includes(flags.pull)) throw new FlagValueError(`invalid pull option: '${flags.pull}': must be one of "always", "missing" or "never"`);
  const consoleSize: [number, number] = flags.tty && ctx.out.isTTY ? [ctx.out.rows ?? 0, ctx.out.columns ?? 0] : [0, 0];
  const req = buildContainerCreate(image, command, flags, { env: ctx.env, readFile: (p) => fs.readFileSync(p, 'utf8'), consoleSize, detach });
  if (flags.cidfile && fs.existsSync(flags.cidfile)) throw new CliExit(EXIT_DAEMON, `berth: container ID file found, make sure the other container isn't running or delete ${flags.cidfile}`);
  const client = await ctx.client();
  if (flags.pull === 'always') await pullImage(ctx, image, !!flags.quiet);
  let created;
  try {
    created = await client.containers.create(req.body, req.name);
  } catch (e) {
    if (!(e instanceof DockerApiError) || e.status !== 404 || !/no such image/i.test(e.message) || flags.pull === 'never' || flags.pull === 'always') throw e;
    ctx.err.write(`Unable to find image '${image}' locally\n`);
    await pullImage(ctx, image, !!flags.quiet);
    created = await client.containers.create(req.body, req.name);
  }
  for (const w of created.Warnings ?? []) ctx.err.write(`WARNING: ${w}\n`);
  if (flags.cidfile) fs.writeFileSync(flags.cidfile, created.Id);
  return created.Id;
}

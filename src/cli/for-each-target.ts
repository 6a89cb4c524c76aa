/**
 * Verbs that act on each named object in turn (stop, rm, rmi, wait, network rm,
 * volume rm, ...): every failure is printed and the others still run, as the
 * docker CLI does; exit 1 if any failed.
 */
import type { CliContext } from './cli-context';
import type { DockerClient } from '../client/docker-client';

export async function forEachTarget(
  ctx: CliContext,
  names: string[],
  /** what to print on success; undefined prints the name */
  act: (c: DockerClient, name: string) => Promise<string | void>,
  opts: { ignore?: (e: Error & { status?: number }) => boolean } = {},
): Promise<number> {
  const client = await ctx.client();
  let failed = false;
  for (const name of names) {
    try {
      const out = await act(client, name);
      ctx.out.write(out === undefined ? `${name}\n` : out);
    } catch (e) {
      const err = e as Error & { status?: number };
      if (opts.ignore?.(err)) continue;
      failed = true;
      ctx.err.write(err.name === 'DockerApiError' ? `Error response from daemon: ${err.message}\n` : `${err.message}\n`);
    }
  }
  return failed ? 1 : 0;
}

/**
 * `berth start`: plain POST start per container; with -a/-i: inspect → attach →
 * wait?condition=next-exit → start → resize, exiting with the container's code.
 */
import type { CommandModule } from '../../command-module';
import { CliExit, exitCodeForStartError } from '../../exit-codes';
import { DockerApiError } from '../../../client/api-error';
import { followTerminalSize, pumpAttach } from '../../attach-session';

interface StartFlags {
  attach?: boolean;
  interactive?: boolean;
  detachKeys?: string;
}

export const command: CommandModule<StartFlags> = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Start one or more stopped containers',
  flags: [
    { flags: '-a, --attach', key: 'attach', kind: 'bool', description: 'Attach STDOUT/STDERR and forward signals' },
    { flags: '--detach-keys', key: 'detachKeys', kind: 'string', description: 'Override the key sequence for detaching a container' },
    { flags: '-i, --interactive', key: 'interactive', kind: 'bool', description: "Attach container's STDIN" },
  ],
  minArgs: 1,
  async run(ctx, names, f) {
    const client = await ctx.client();
    if (f.attach || f.interactive) {
      if (names.length > 1) throw new CliExit(1, 'you cannot start and attach multiple containers at once');
      const info = await client.containers.inspect(names[0]!);
      const tty = !!info.Config.Tty;
      const stdin = !!f.interactive && !!info.Config.OpenStdin;
      const conn = await client.containers.attach(info.Id, { stream: true, stdin, stdout: true, stderr: true, detachKeys: f.detachKeys });
      const wait = await client.containers.wait(info.Id, 'next-exit');
      // pump before start: output that ends before start answers must not go unwatched
      const session = pumpAttach(conn, ctx.streams, { tty, stdin, detachKeys: f.detachKeys });
      try {
        await client.containers.start(info.Id);
      } catch (e) {
        conn.socket.destroy();
        await session; // the terminal is restored
        wait.response.destroy();
        if (e instanceof DockerApiError && e.status > 0) throw new CliExit(exitCodeForStartError(e.message), `Error response from daemon: ${e.message}`);
        throw e;
      }
      const stopResize = tty ? followTerminalSize(ctx.out, (h, w) => client.containers.resize(info.Id, h, w)) : () => undefined;
      const { detached } = await session;
      stopResize();
      if (detached) {
        wait.response.destroy();
        return 0;
      }
      return (await wait.result).StatusCode;
    }
    const failed: string[] = [];
    for (const n of names) {
      try {
        await client.containers.start(n);
        ctx.out.write(`${n}\n`);
      } catch (e) {
        failed.push(n);
        ctx.err.write(`Error response from daemon: ${(e as Error).message}\n`);
      }
    }
    if (failed.length) throw new CliExit(1, `Error: failed to start containers: ${failed.join(', ')}`);
    return 0;
  },
};

/**
 * `berth run`, in the docker CLI's order: create → attach (own connection, unless -d)
 * → wait?condition=next-exit|removed → start → resize (-t); exits with the container's code.
 */
import type { CommandModule } from '../../command-module';
import { CONTAINER_FLAGS, RUN_ONLY_FLAGS, type ContainerFlags } from '../../requests/container-flags';
import { CliExit, EXIT_DAEMON, exitCodeForStartError } from '../../exit-codes';
import { DockerApiError } from '../../../client/api-error';
import { createContainer } from './create-flow';
import { followTerminalSize, pumpAttach } from '../../attach-session';

export const command: CommandModule<ContainerFlags> = {
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  description: 'Create and run a new container from an image',
  flags: [...CONTAINER_FLAGS, ...RUN_ONLY_FLAGS],
  minArgs: 1,
  passThrough: true,
  errorExitCode: EXIT_DAEMON,
  async run(ctx, [image, ...cmd], flags) {
    const detach = !!flags.detach;
    if (detach && flags.rm === undefined) flags.rm = false;
    const id = await createContainer(ctx, image!, cmd, flags, detach);
    const client = await ctx.client();

    const attachStreams = flags.attach.length ? flags.attach.map((a) => a.toLowerCase()) : ['stdout', 'stderr', ...(flags.interactive ? ['stdin'] : [])];
    const conn = detach
      ? undefined
      : await client.containers.attach(id, {
          stream: true,
          stdin: attachStreams.includes('stdin'),
          stdout: attachStreams.includes('stdout'),
          stderr: attachStreams.includes('stderr'),
          detachKeys: flags.detachKeys,
        });
    const wait = await client.containers.wait(id, flags.rm ? 'removed' : 'next-exit');
    try {
      await client.containers.start(id);
    } catch (e) {
      conn?.socket.destroy();
      wait.response.destroy();
      if (e instanceof DockerApiError && e.status > 0) {
        throw new CliExit(exitCodeForStartError(e.message), `berth: Error response from daemon: ${e.message}\n\nRun 'berth run --help' for more information`);
      }
      throw e;
    }
    if (detach || !conn) {
      wait.response.destroy(); // the CLI drops the wait after -d
      ctx.out.write(`${id}\n`);
      return 0;
    }
    const stopResize = flags.tty ? followTerminalSize(ctx.out, (h, w) => client.containers.resize(id, h, w)) : () => undefined;
    const stopSignals = flags.sigProxy !== false && !flags.tty ? proxySignals((sig) => client.containers.kill(id, sig)) : () => undefined;
    const session = await pumpAttach(conn, ctx.streams, { tty: !!flags.tty, stdin: attachStreams.includes('stdin'), detachKeys: flags.detachKeys });
    stopResize();
    stopSignals();
    if (session.detached) {
      wait.response.destroy();
      return 0;
    }
    const status = await wait.result;
    if (status.Error?.Message) throw new CliExit(EXIT_DAEMON, `berth: Error response from daemon: ${status.Error.Message}`);
    return status.StatusCode;
  },
};

/** Forwards SIGINT/SIGTERM/… to the container, as the docker CLI's --sig-proxy does. */
function proxySignals(kill: (sig: string) => Promise<void>): () => void {
  const sigs: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
  const handler = (sig: NodeJS.Signals): void => {
    kill(sig.replace(/^SIG/, '')).catch(() => undefined); // the container may already be gone
  };
  for (const s of sigs) process.on(s, handler);
  return () => {
    for (const s of sigs) process.removeListener(s, handler);
  };
}

/**
 * `berth run`, as the docker CLI does it: create → attach (own connection, unless -d) and
 * wait?condition=next-exit|removed (concurrently) → start → resize (-t); exits with the container's code.
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
    // attach and wait only have to be in place before start: one round trip for both
    const [attached, waiting] = await Promise.allSettled([
      detach
        ? undefined
        : client.containers.attach(id, {
            stream: true,
            stdin: attachStreams.includes('stdin'),
            stdout: attachStreams.includes('stdout'),
            stderr: attachStreams.includes('stderr'),
            detachKeys: flags.detachKeys,
          }),
      client.containers.wait(id, flags.rm ? 'removed' : 'next-exit'),
    ]);
    if (attached.status === 'rejected' || waiting.status === 'rejected') {
      if (attached.status === 'fulfilled') attached.value?.socket.destroy();
      if (waiting.status === 'fulfilled') waiting.value.response.destroy();
      throw attached.status === 'rejected' ? attached.reason : (waiting as PromiseRejectedResult).reason;
    }
    const conn = attached.value;
    const wait = waiting.value;
    // pump from before start, as the docker CLI does: a silent container can end its
    // output before start answers, and a stream that ended unwatched never says so again
    const session = conn ? pumpAttach(conn, ctx.streams, { tty: !!flags.tty, stdin: attachStreams.includes('stdin'), detachKeys: flags.detachKeys }) : undefined;
    try {
      await client.containers.start(id);
    } catch (e) {
      conn?.socket.destroy();
      await session; // the terminal is restored
      wait.response.destroy();
      if (e instanceof DockerApiError && e.status > 0) {
        throw new CliExit(exitCodeForStartError(e.message), `berth: Error response from daemon: ${e.message}\n\nRun 'berth run --help' for more information`);
      }
      throw e;
    }
    if (!session) {
      wait.response.destroy(); // the CLI drops the wait after -d
      ctx.out.write(`${id}\n`);
      return 0;
    }
    const stopResize = flags.tty ? followTerminalSize(ctx.out, (h, w) => client.containers.resize(id, h, w)) : () => undefined;
    const stopSignals = flags.sigProxy !== false && !flags.tty ? proxySignals((sig) => client.containers.kill(id, sig)) : () => undefined;
    const { detached } = await session;
    stopResize();
    stopSignals();
    if (detached) {
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

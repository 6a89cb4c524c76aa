/** `berth attach`: wait (registered first) + inspect → attach → resize (tty); exits with the container's code. */
import type { CommandModule } from '../../command-module';
import { CliExit } from '../../exit-codes';
import { followTerminalSize, pumpAttach } from '../../attach-session';

interface AttachFlags {
  detachKeys?: string;
  noStdin?: boolean;
  sigProxy?: boolean;
}

export const command: CommandModule<AttachFlags> = {
  usage: '[OPTIONS] CONTAINER',
  description: 'Attach local standard input, output, and error streams to a running container',
  flags: [
    { flags: '--detach-keys', key: 'detachKeys', kind: 'string', description: 'Override the key sequence for detaching a container' },
    { flags: '--no-stdin', key: 'noStdin', kind: 'bool', description: 'Do not attach STDIN' },
    { flags: '--sig-proxy', key: 'sigProxy', kind: 'bool', description: 'Proxy all received signals to the process', default: true },
    { flags: '--no-sig-proxy', key: 'sigProxy', kind: 'bool', description: 'Do not proxy signals', hidden: true },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, [name], f) {
    const client = await ctx.client();
    const wait = await client.containers.wait(name!);
    const info = await client.containers.inspect(name!);
    if (!info.State.Running) {
      wait.response.destroy();
      throw new CliExit(1, 'You cannot attach to a stopped container, start it first');
    }
    if (info.State.Paused) {
      wait.response.destroy();
      throw new CliExit(1, 'You cannot attach to a paused container, unpause it first');
    }
    const tty = !!info.Config.Tty;
    const stdin = !f.noStdin && !!info.Config.OpenStdin;
    const conn = await client.containers.attach(name!, { stream: true, stdin, stdout: true, stderr: true, detachKeys: f.detachKeys });
    const stopResize = tty ? followTerminalSize(ctx.out, (h, w) => client.containers.resize(name!, h, w)) : () => undefined;
    const session = await pumpAttach(conn, ctx.streams, { tty, stdin, detachKeys: f.detachKeys });
    stopResize();
    if (session.detached) {
      wait.response.destroy();
      return 0;
    }
    return (await wait.result).StatusCode;
  },
};

/**
 * `berth exec`: inspect → POST /containers/{id}/exec → POST /exec/{id}/start (hijacked,
 * or detached with -d) → resize (-t) → GET /exec/{id}/json for the exit code.
 */
import type { CommandModule } from '../../command-module';
import type { ExecCreateRequest } from '../../../client/wire-types';
import { CliExit } from '../../exit-codes';
import { followTerminalSize, pumpAttach } from '../../attach-session';
import { parseEnvLines } from '../../requests/container-create';
import * as fs from 'node:fs';

export interface ExecFlags {
  detach?: boolean;
  detachKeys?: string;
  env: string[];
  envFile: string[];
  interactive?: boolean;
  privileged?: boolean;
  tty?: boolean;
  user?: string;
  workdir?: string;
}

/** Flags → the exec create body exactly as the docker CLI sends it (key order included). */
export function buildExecCreate(cmd: string[], f: ExecFlags, env: NodeJS.ProcessEnv, readFile: (p: string) => string): ExecCreateRequest {
  const envs = [...f.envFile.flatMap((p) => parseEnvLines(readFile(p), env, false)), ...f.env.map((e) => (e.includes('=') || env[e] === undefined ? e : `${e}=${env[e]}`))];
  return {
    User: f.user ?? '',
    Privileged: !!f.privileged,
    Tty: !!f.tty,
    AttachStdin: !!f.interactive && !f.detach,
    AttachStderr: !f.detach,
    AttachStdout: !f.detach,
    Detach: !!f.detach,
    DetachKeys: f.detachKeys ?? '',
    Env: envs.length ? envs : null,
    WorkingDir: f.workdir ?? '',
    Cmd: cmd,
  };
}

export const command: CommandModule<ExecFlags> = {
  usage: '[OPTIONS] CONTAINER COMMAND [ARG...]',
  description: 'Execute a command in a running container',
  flags: [
    { flags: '-d, --detach', key: 'detach', kind: 'bool', description: 'Detached mode: run command in the background' },
    { flags: '--detach-keys', key: 'detachKeys', kind: 'string', description: 'Override the key sequence for detaching a container' },
    { flags: '-e, --env', key: 'env', kind: 'list', description: 'Set environment variables' },
    { flags: '--env-file', key: 'envFile', kind: 'list', description: 'Read in a file of environment variables' },
    { flags: '-i, --interactive', key: 'interactive', kind: 'bool', description: 'Keep STDIN open even if not attached' },
    { flags: '--privileged', key: 'privileged', kind: 'bool', description: 'Give extended privileges to the command' },
    { flags: '-t, --tty', key: 'tty', kind: 'bool', description: 'Allocate a pseudo-TTY' },
    { flags: '-u, --user', key: 'user', kind: 'string', description: 'Username or UID (format: "<name|uid>[:<group|gid>]")' },
    { flags: '-w, --workdir', key: 'workdir', kind: 'string', description: 'Working directory inside the container' },
  ],
  minArgs: 2,
  passThrough: true,
  errorExitCode: 1,
  async run(ctx, [name, ...cmd], f) {
    const client = await ctx.client();
    const info = await client.containers.inspect(name!);
    if (!info.State.Running) throw new CliExit(1, `Error response from daemon: container ${info.Id} is not running`);
    const body = buildExecCreate(cmd, f, ctx.env, (p) => fs.readFileSync(p, 'utf8'));
    const { Id } = await client.exec.create(name!, body);
    if (f.detach) {
      await client.exec.startDetached(Id, { Detach: true, Tty: !!f.tty });
      return 0;
    }
    const conn = await client.exec.start(Id, { Detach: false, Tty: !!f.tty });
    const stopResize = f.tty ? followTerminalSize(ctx.out, (h, w) => client.exec.resize(Id, h, w)) : () => undefined;
    const session = await pumpAttach(conn, ctx.streams, { tty: !!f.tty, stdin: !!f.interactive, detachKeys: f.detachKeys });
    stopResize();
    if (session.detached) return 0;
    const r = await client.exec.inspect(Id);
    return r.ExitCode ?? 0;
  },
};

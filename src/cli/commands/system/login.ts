/**
 * `berth login [SERVER]`: the daemon checks the credentials (POST /auth), then
 * they are stored in the docker CLI's config.json for pull and push.
 */
import type { CommandModule } from '../../command-module';
import { HUB_AUTH_KEY, storeCredentials } from '../../auth/credential-file';
import { CliExit } from '../../exit-codes';
import type { CliContext } from '../../cli-context';

interface LoginFlags {
  username?: string;
  password?: string;
  passwordStdin?: boolean;
}

async function readAll(ctx: CliContext): Promise<string> {
  let s = '';
  for await (const c of ctx.streams.stdin) s += typeof c === 'string' ? c : (c as Buffer).toString('utf8');
  return s;
}

/** One line from the terminal; with `hidden` the tty runs raw so typed characters are not echoed. */
async function prompt(ctx: CliContext, question: string, hidden: boolean): Promise<string> {
  const stdin = ctx.streams.stdin;
  ctx.out.write(question);
  const raw = hidden && typeof stdin.setRawMode === 'function';
  if (raw) stdin.setRawMode!(true);
  try {
    return await new Promise<string>((resolve, reject) => {
      let line = '';
      const onData = (c: Buffer | string) => {
        for (const ch of typeof c === 'string' ? c : c.toString('utf8')) {
          if (ch === '\r' || ch === '\n') return finish(() => resolve(line));
          if (ch === '\u0003') return finish(() => reject(new CliExit(130, '')));
          if (ch === '\u007f' || ch === '\b') line = line.slice(0, -1);
          else line += ch;
        }
      };
      const onEnd = () => finish(() => resolve(line));
      const finish = (then: () => void) => {
        stdin.off('data', onData);
        stdin.off('end', onEnd);
        stdin.pause();
        if (hidden) ctx.out.write('\n');
        then();
      };
      stdin.on('data', onData);
      stdin.once('end', onEnd);
      stdin.resume();
    });
  } finally {
    if (raw) stdin.setRawMode!(false);
  }
}

export const command: CommandModule<LoginFlags> = {
  usage: '[OPTIONS] [SERVER]',
  description: 'Authenticate to a registry',
  flags: [
    { flags: '-u, --username', key: 'username', kind: 'string', description: 'Username' },
    { flags: '-p, --password', key: 'password', kind: 'string', description: 'Password or Personal Access Token (PAT)' },
    { flags: '--password-stdin', key: 'passwordStdin', kind: 'bool', description: 'Take the Password or Personal Access Token (PAT) from stdin' },
  ],
  maxArgs: 1,
  async run(ctx, [server], f) {
    const serveraddress = server ?? HUB_AUTH_KEY;
    let password = f.password;
    if (f.passwordStdin) {
      if (password !== undefined) throw new CliExit(1, 'Error: --password and --password-stdin are mutually exclusive');
      if (!f.username) throw new CliExit(1, 'Error: Must provide --username with --password-stdin');
      password = (await readAll(ctx)).replace(/\r?\n$/, '');
    } else if (password !== undefined) {
      ctx.err.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
    }
    let username = f.username;
    if (username === undefined || password === undefined) {
      if (!ctx.streams.stdin.isTTY) throw new CliExit(1, 'Error: Cannot perform an interactive login from a non TTY device');
      username ??= (await prompt(ctx, 'Username: ', false)).trim();
      password ??= await prompt(ctx, 'Password: ', true);
    }
    if (!username) throw new CliExit(1, 'Error: Username is required');
    if (!password) throw new CliExit(1, 'Error: Password is required');
    const client = await ctx.client();
    const r = await client.auth({ username, password, serveraddress });
    const file = await storeCredentials(ctx.env, { username, password, serveraddress });
    ctx.err.write(`\nWARNING! Your credentials are stored unencrypted in '${file}'.\nConfigure a credential helper to remove this warning. See\nhttps://docs.docker.com/go/credential-store/\n\n`);
    ctx.out.write(`${r.Status || 'Login Succeeded'}\n`);
    return 0;
  },
};

/**
 * `berth build [OPTIONS] PATH | -`: the context directory as a tar (client/build-context) sent to
 * POST /build; the builder's output printed as it comes (on a terminal, or with --progress=plain,
 * as a plain progress view). A failed RUN exits with its code, as the docker CLI does.
 * `--secret` files ride in the context tar (the daemon takes them out before any step runs);
 * `--output` exports the built image's filesystem as a tar or into a directory.
 * `--ssh` names SSH agent sockets on this machine (the daemon relays RUN --mount=type=ssh to them);
 * key files are loaded into an ssh-agent of the build's own, stopped when the build ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { readJsonLines, type ProgressMessage } from '../../../client/json-lines';
import { appendToContext, packBuildContext, relativeTar } from '../../../client/build-context';
import type { DockerClient } from '../../../client/docker-client';
import type { CommandModule } from '../../command-module';
import { CliExit } from '../../exit-codes';
import { BuildProgressView } from '../../output/build-progress';

interface Flags {
  tag: string[];
  file?: string;
  buildArg: string[];
  label: string[];
  target?: string;
  noCache?: boolean;
  quiet?: boolean;
  rm: boolean;
  forceRm?: boolean;
  pull?: boolean;
  network?: string;
  secret: string[];
  ssh: string[];
  cacheFrom: string[];
  iidfile?: string;
  output: string[];
  progress?: string;
}

/** `--secret id=x[,src=file|,env=VAR]` (buildx's forms): the value, read on the client. */
async function readSecret(spec: string, env: NodeJS.ProcessEnv): Promise<{ id: string; data: Buffer }> {
  const fields = new Map<string, string>();
  for (const f of spec.split(',')) {
    const i = f.indexOf('=');
    fields.set((i < 0 ? f : f.slice(0, i)).trim().toLowerCase(), i < 0 ? '' : f.slice(i + 1));
  }
  const id = fields.get('id');
  if (!id) throw new CliExit(1, `invalid secret ${spec}: id is required`);
  const src = fields.get('src') ?? fields.get('source');
  const type = fields.get('type') ?? (fields.has('env') ? 'env' : 'file');
  if (type === 'env' || (src === undefined && env[id] !== undefined)) {
    const name = fields.get('env') ?? src ?? id;
    const v = env[name];
    if (v === undefined) throw new CliExit(1, `secret ${id}: environment variable ${name} is not set`);
    return { id, data: Buffer.from(v) };
  }
  const file = src ?? id;
  const data = await fs.readFile(file).catch(() => {
    throw new CliExit(1, `secret ${id}: failed to read ${file}: no such file`);
  });
  return { id, data };
}

interface Agents {
  /** "id=NAME,src=SOCKET" for the API */
  specs: string[];
  stop(): Promise<void>;
}

/**
 * `--ssh default|ID[=SOCKET|KEY[,KEY...]]` (buildx's forms): an agent's socket passes as it is; key
 * files go into an ssh-agent started for this build (ssh-add asks for passphrases on the terminal).
 */
async function forwardAgents(list: string[], env: NodeJS.ProcessEnv): Promise<Agents> {
  const specs: string[] = [];
  const agents: ChildProcess[] = [];
  const dirs: string[] = [];
  const stop = async (): Promise<void> => {
    for (const a of agents) a.kill('SIGTERM');
    await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
  };
  try {
    for (const spec of list) {
      const i = spec.indexOf('=');
      const id = (i < 0 ? spec : spec.slice(0, i)).trim();
      const paths = i < 0 ? [] : spec.slice(i + 1).split(',').filter(Boolean);
      if (!id) throw new CliExit(1, `invalid ssh ${spec}: an id is required (default)`);
      if (paths.length === 0) {
        const sock = env.SSH_AUTH_SOCK;
        if (!sock) throw new CliExit(1, 'invalid empty ssh agent socket: make sure SSH_AUTH_SOCK is set');
        paths.push(sock);
      }
      const kinds = await Promise.all(paths.map((p) => fs.stat(p).then((st) => (st.isSocket() ? 'socket' : 'file'), () => 'missing')));
      const missing = paths.find((_, k) => kinds[k] === 'missing');
      if (missing !== undefined) throw new CliExit(1, `ssh ${id}: ${missing}: no such file or socket`);
      if (kinds.includes('socket')) {
        if (paths.length > 1) throw new CliExit(1, `ssh ${id}: an agent's socket cannot be combined with other sockets or keys`);
        specs.push(`id=${id},src=${path.resolve(paths[0]!)}`);
        continue;
      }
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-ssh-'));
      dirs.push(dir);
      const sock = path.join(dir, 'agent.sock');
      const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
      agents.push(agent);
      await new Promise<void>((resolve, reject) => {
        agent.once('error', () => reject(new CliExit(1, `ssh ${id}: key files need ssh-agent (openssh-client), which could not be started`)));
        const wait = async (): Promise<void> => {
          for (let n = 0; n < 100 && agent.exitCode === null; n++) {
            if (await fs.stat(sock).then((st) => st.isSocket(), () => false)) return resolve();
            await new Promise((r) => setTimeout(r, 20));
          }
          reject(new CliExit(1, `ssh ${id}: ssh-agent did not start`));
        };
        void wait();
      });
      const added = spawn('ssh-add', paths, { stdio: ['inherit', 'ignore', 'pipe'], env: { ...env, SSH_AUTH_SOCK: sock } });
      let err = '';
      added.stderr?.on('data', (c: Buffer) => (err += c.toString()));
      const code = await new Promise<number>((resolve) => {
        added.once('error', () => resolve(127));
        added.once('close', (c) => resolve(c ?? 1));
      });
      if (code !== 0) throw new CliExit(1, `ssh ${id}: failed to load ${paths.join(', ')}: ${err.trim() || `ssh-add exited with ${code}`}`);
      specs.push(`id=${id},src=${sock}`);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { specs, stop };
}

type OutputSpec = { type: 'tar' | 'local'; dest: string };

/** `-o type=tar,dest=out.tar`, `-o type=local,dest=dir`, `-o dir` (local), `-o -` (tar to stdout). */
function parseOutput(spec: string): OutputSpec {
  if (!spec.includes('=')) return spec === '-' ? { type: 'tar', dest: '-' } : { type: 'local', dest: spec };
  const fields = new Map(spec.split(',').map((f) => [f.slice(0, f.indexOf('=')).trim(), f.slice(f.indexOf('=') + 1)] as const));
  const type = fields.get('type') ?? 'local';
  const dest = fields.get('dest');
  if (type !== 'tar' && type !== 'local') throw new CliExit(1, `output type ${type} is not supported by berth build: use tar or local`);
  if (!dest) throw new CliExit(1, `dest is required for ${type} exporter`);
  return { type, dest };
}

/** The image's filesystem, read through a created (never started) container. */
async function exportImage(client: DockerClient, image: string, out: OutputSpec, stdout: Writable): Promise<void> {
  const { Id } = await client.containers.create({ Image: image, Entrypoint: ['/berth-export'], Cmd: [] });
  try {
    // the archive of "/" works on a container that never ran (export wants a running one)
    const tarStream = relativeTar(await client.containers.getArchive(Id, '/'));
    if (out.type === 'tar') {
      await pipeline(tarStream, out.dest === '-' ? stdout : createWriteStream(out.dest));
      return;
    }
    await fs.mkdir(out.dest, { recursive: true });
    const tar = spawn('tar', ['-x', '-f', '-', '-C', out.dest, '--no-same-owner'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    tar.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number>((resolve) => tar.on('close', (code) => resolve(code ?? 1)));
    await pipeline(tarStream, tar.stdin);
    if ((await exited) !== 0) throw new CliExit(1, `failed to write ${out.dest}: ${err.trim()}`);
  } finally {
    await client.containers.remove(Id, { force: true });
  }
}

function keyValues(list: string[], env: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list) {
    const i = kv.indexOf('=');
    if (i < 0) {
      // `--build-arg NAME` takes the value from the environment, as docker does
      const v = env ? process.env[kv] : '';
      if (v !== undefined) out[kv] = v;
    } else out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

export const command: CommandModule<Flags> = {
  usage: '[OPTIONS] PATH | -',
  description: 'Build an image from a Dockerfile',
  flags: [
    { flags: '-t, --tag', key: 'tag', kind: 'list', description: 'Name and optionally a tag in the "name:tag" format' },
    { flags: '-f, --file', key: 'file', kind: 'string', description: "Name of the Dockerfile (Default is 'PATH/Dockerfile')" },
    { flags: '--build-arg', key: 'buildArg', kind: 'list', description: 'Set build-time variables' },
    { flags: '--label', key: 'label', kind: 'list', description: 'Set metadata for an image' },
    { flags: '--target', key: 'target', kind: 'string', description: 'Set the target build stage to build' },
    { flags: '--no-cache', key: 'noCache', kind: 'bool', description: 'Do not use cache when building the image' },
    { flags: '-q, --quiet', key: 'quiet', kind: 'bool', description: 'Suppress the build output and print image ID on success' },
    { flags: '--rm', key: 'rm', kind: 'bool', default: true, description: 'Remove intermediate containers after a successful build' },
    { flags: '--force-rm', key: 'forceRm', kind: 'bool', description: 'Always remove intermediate containers' },
    { flags: '--pull', key: 'pull', kind: 'bool', description: 'Always attempt to pull a newer version of the image' },
    { flags: '--network', key: 'network', kind: 'string', description: 'Set the networking mode for the RUN instructions during build' },
    { flags: '--secret', key: 'secret', kind: 'list', description: 'Secret to expose to the build (format: "id=mysecret[,src=/local/secret]")' },
    { flags: '--ssh', key: 'ssh', kind: 'list', description: 'SSH agent socket or keys to expose to the build (format: "default|<id>[=<socket>|<key>[,<key>]]")' },
    { flags: '--cache-from', key: 'cacheFrom', kind: 'list', description: 'Images to consider as cache sources' },
    { flags: '--iidfile', key: 'iidfile', kind: 'string', description: 'Write the image ID to the file' },
    { flags: '-o, --output', key: 'output', kind: 'list', description: 'Output destination (format: "type=local,dest=path")' },
    { flags: '--progress', key: 'progress', kind: 'string', description: 'Set type of progress output ("auto", "plain", "tty", "quiet", "classic")' },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, [where], f) {
    const progress = f.progress ?? 'auto';
    if (!['auto', 'plain', 'tty', 'quiet', 'classic'].includes(progress)) throw new CliExit(1, `invalid progress mode ${progress}`);
    if (f.output.length > 1) throw new CliExit(1, 'multiple outputs are not supported');
    const output = f.output[0] !== undefined ? parseOutput(f.output[0]) : undefined;
    const quiet = f.quiet || progress === 'quiet' || output?.dest === '-';
    const secrets = await Promise.all(f.secret.map((s) => readSecret(s, ctx.env)));
    let body: Readable;
    let dockerfile = f.file;
    if (where === '-') body = ctx.streams.stdin;
    else {
      const dir = path.resolve(where!);
      if (!(await fs.stat(dir).then((s) => s.isDirectory(), () => false))) throw new CliExit(1, `unable to prepare context: path "${where}" not found`);
      // -f names a file anywhere; the daemon wants its path inside the context
      if (dockerfile) {
        const rel = path.relative(dir, path.resolve(dockerfile));
        if (rel.startsWith('..')) throw new CliExit(1, `the Dockerfile (${dockerfile}) must be within the build context`);
        dockerfile = rel;
      }
      body = await packBuildContext(dir, dockerfile ?? 'Dockerfile');
    }
    const secretDir = `.berth-secrets-${randomBytes(8).toString('hex')}`;
    if (secrets.length) {
      if (where === '-') throw new CliExit(1, '--secret needs a context directory (PATH), not -');
      body = appendToContext(body, secrets.map((s) => ({ name: `${secretDir}/${s.id}`, data: s.data })));
    }
    const agents = await forwardAgents(f.ssh, ctx.env);
    try {
      const client = await ctx.client();
      const res = await client.images.build(body, {
        tags: f.tag,
        dockerfile,
        buildArgs: keyValues(f.buildArg, true),
        labels: keyValues(f.label, false),
        target: f.target,
        noCache: f.noCache,
        quiet,
        rm: f.rm,
        forceRm: f.forceRm,
        pull: f.pull,
        networkMode: f.network,
        cacheFrom: f.cacheFrom,
        secrets: secrets.map((s) => `id=${s.id},src=${secretDir}/${s.id}`),
        ssh: agents.specs,
      });
      const plain = !quiet && (progress === 'plain' || progress === 'tty' || (progress === 'auto' && ctx.out.isTTY === true));
      const view = plain ? new BuildProgressView((t) => ctx.err.write(t)) : undefined;
      let id = '';
      for await (const m of readJsonLines<ProgressMessage & { aux?: { ID?: string } }>(res)) {
        if (m.errorDetail || m.error) {
          const code = m.errorDetail?.code;
          const message = m.errorDetail?.message ?? m.error ?? 'build failed';
          view?.end(message);
          throw new CliExit(code && code > 0 ? code : 1, view ? '' : message);
        }
        if (m.aux?.ID) id = m.aux.ID;
        if (!m.stream) continue;
        if (quiet) id = m.stream.trim();
        if (view) {
          if (/^Successfully (built|tagged) /.test(m.stream)) continue;
          view.feed(m.stream);
        } else if (!quiet || output?.dest !== '-') ctx.out.write(m.stream);
      }
      if (view) {
        view.end();
        ctx.err.write(`writing image ${id} done\n`);
        for (const t of f.tag) ctx.err.write(`naming to ${t} done\n`);
      }
      if (f.iidfile) await fs.writeFile(f.iidfile, id);
      if (output) await exportImage(await ctx.client(), id, output, ctx.out);
      return 0;
    } finally {
      await agents.stop();
    }
  },
};

/**
 * `berth build [OPTIONS] PATH | -`: the context directory as a tar (client/build-context) sent to
 * POST /build; the builder's output printed as it comes. A failed RUN exits with
 * its code, as the docker CLI does.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { readJsonLines, type ProgressMessage } from '../../../client/json-lines';
import { packBuildContext } from '../../../client/build-context';
import type { CommandModule } from '../../command-module';
import { CliExit } from '../../exit-codes';

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
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, [where], f) {
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
    const client = await ctx.client();
    const res = await client.images.build(body, {
      tags: f.tag,
      dockerfile,
      buildArgs: keyValues(f.buildArg, true),
      labels: keyValues(f.label, false),
      target: f.target,
      noCache: f.noCache,
      quiet: f.quiet,
      rm: f.rm,
      forceRm: f.forceRm,
      pull: f.pull,
      networkMode: f.network,
    });
    for await (const m of readJsonLines<ProgressMessage>(res)) {
      if (m.errorDetail || m.error) {
        const code = m.errorDetail?.code;
        throw new CliExit(code && code > 0 ? code : 1, m.errorDetail?.message ?? m.error ?? 'build failed');
      }
      if (m.stream) ctx.out.write(m.stream);
    }
    return 0;
  },
};

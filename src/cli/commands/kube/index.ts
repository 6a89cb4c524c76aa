/** `berth kube play|down|generate`: YAML to and from Berth's /berth/kube routes; the work is the daemon's (engine.kube). */
import { promises as fs } from 'node:fs';
import type { Readable } from 'node:stream';
import type { CommandModule } from '../../command-module';
import { DockerApiError } from '../../../client/api-error';
import { CliExit } from '../../exit-codes';
import { kubeYaml } from '../../output/kube-yaml';

async function readInput(file: string, stdin: Readable): Promise<string> {
  if (file !== '-') {
    return fs.readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
      throw new CliExit(125, `Error: ${e.code === 'ENOENT' ? `open ${file}: no such file or directory` : e.message}`);
    });
  }
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** A Docker daemon has no /berth routes: say so instead of its bare "page not found". */
async function berthOnly<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (e instanceof DockerApiError && e.status === 404 && /page not found/.test(e.message)) throw new CliExit(125, 'Error: the daemon does not serve kube (a Berth daemon is needed: berthd)');
    throw e;
  }
}

export const play: CommandModule<{ replace?: boolean }> = {
  usage: '[OPTIONS] KUBEFILE|-',
  description: 'Create containers, pods and volumes based on Kubernetes YAML',
  flags: [{ flags: '--replace', key: 'replace', kind: 'bool', description: 'Remove what an earlier play of the same YAML made, then play it' }],
  minArgs: 1,
  maxArgs: 1,
  errorExitCode: 125,
  async run(ctx, [file], f) {
    const yaml = await readInput(file!, ctx.streams.stdin);
    const client = await ctx.client();
    const r = await berthOnly(() => client.kube.play(yaml, { replace: f.replace }));
    for (const w of r.Warnings) ctx.err.write(`warning: ${w}\n`);
    for (const p of r.Pods) ctx.out.write(`Pod:\n${p.Name}\nContainers:\n${p.ContainerIds.join('\n')}\n\n`);
    if (r.Volumes.length) ctx.out.write(`Volumes:\n${r.Volumes.join('\n')}\n`);
    return 0;
  },
};

export const down: CommandModule<Record<string, never>> = {
  usage: 'KUBEFILE|-',
  description: 'Remove containers, pods and volumes based on Kubernetes YAML',
  flags: [],
  minArgs: 1,
  maxArgs: 1,
  errorExitCode: 125,
  async run(ctx, [file]) {
    const yaml = await readInput(file!, ctx.streams.stdin);
    const client = await ctx.client();
    const r = await berthOnly(() => client.kube.down(yaml));
    if (r.Pods.length) ctx.out.write(`Pods removed:\n${r.Pods.join('\n')}\n`);
    if (r.Volumes.length) ctx.out.write(`Volumes removed:\n${r.Volumes.join('\n')}\n`);
    if (r.Network) ctx.out.write(`Network removed:\n${r.Network}\n`);
    return 0;
  },
};

export const generate: CommandModule<{ service?: boolean; filename?: string }> = {
  usage: '[OPTIONS] CONTAINER|POD [CONTAINER|POD...]',
  description: 'Generate Kubernetes YAML (a Pod, and a Service) from containers or pods',
  flags: [
    { flags: '-s, --service', key: 'service', kind: 'bool', description: 'Generate a Service for the published (or exposed) ports' },
    { flags: '-f, --filename', key: 'filename', kind: 'string', description: 'Write the YAML to this file instead of stdout' },
  ],
  minArgs: 1,
  errorExitCode: 125,
  async run(ctx, names, f) {
    const client = await ctx.client();
    const r = await berthOnly(() => client.kube.generate(names, { service: f.service }));
    for (const w of r.Warnings) ctx.err.write(`warning: ${w}\n`);
    const yaml = kubeYaml(r.Objects);
    if (f.filename) await fs.writeFile(f.filename, yaml);
    else ctx.out.write(yaml);
    return 0;
  },
};

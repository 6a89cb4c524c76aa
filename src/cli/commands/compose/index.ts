/**
 * `berth compose …`: docker compose v2's verbs for the common work (up, down,
 * ps, logs, build, stop/start/restart, config). The project is loaded by
 * compose/loader and driven over the API by compose/runner; these modules only
 * translate flags.
 */
import * as path from 'node:path';
import type { CommandModule } from '../../command-module';
import type { CliContext } from '../../cli-context';
import type { FlagSpec } from '../../flag-table';
import { CliExit } from '../../exit-codes';
import { ComposeRunner, ComposeError, startOrder } from '../../../compose/runner';
import { loadProject } from '../../../compose/loader/load';
import type { ComposeProject } from '../../../compose/loader/model';
import { LABEL } from '../../../compose/convert';
import { toKube } from '../../../compose/kube';
import { renderProject } from '../../../compose/render';
import { kubeYaml } from '../../output/kube-yaml';

interface ProjectFlags {
  file: string[];
  projectName?: string;
  projectDirectory?: string;
  profile: string[];
}

const PROJECT_FLAGS: FlagSpec[] = [
  // `-f`/`-p` before the verb arrive here as --file/--project-name (cli/main.ts hoistComposeFlags)
  { flags: '--file', key: 'file', kind: 'list', description: 'Compose configuration files' },
  { flags: '--project-name', key: 'projectName', kind: 'string', description: 'Project name' },
  { flags: '--project-directory', key: 'projectDirectory', kind: 'string', description: 'Specify an alternate working directory' },
  { flags: '--profile', key: 'profile', kind: 'list', description: 'Specify a profile to enable' },
];

async function project(f: ProjectFlags): Promise<ComposeProject> {
  const files = f.file.map((x) => path.resolve(x));
  const workingDir = f.projectDirectory ? path.resolve(f.projectDirectory) : files[0] ? path.dirname(files[0]) : process.cwd();
  try {
    return await loadProject({
      files: files.length ? files : undefined,
      workingDir,
      projectName: f.projectName,
      env: process.env as Record<string, string>,
      profiles: f.profile.length ? f.profile : (process.env.COMPOSE_PROFILES?.split(',').filter(Boolean) ?? []),
    });
  } catch (e) {
    throw new CliExit(1, (e as Error).message);
  }
}

/** Runs a compose action with the project loaded; compose's own errors exit 1 with their message. */
function composeCommand<O extends ProjectFlags>(def: Omit<CommandModule<O>, 'run'> & { action(ctx: CliContext, r: ComposeRunner, p: ComposeProject, args: string[], f: O): Promise<number> }): CommandModule<O> {
  return {
    ...def,
    flags: [...(PROJECT_FLAGS as FlagSpec<Extract<keyof O, string>>[]), ...def.flags],
    async run(ctx, args, f) {
      const p = await project(f);
      const r = new ComposeRunner(await ctx.client(), p, { out: ctx.out, err: ctx.err });
      try {
        return await def.action(ctx, r, p, args, f);
      } catch (e) {
        if (e instanceof ComposeError) throw new CliExit(1, e.message);
        throw e;
      }
    },
  };
}

function scaleFlags(list: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of list) {
    const m = /^([^=]+)=(\d+)$/.exec(s);
    if (!m) throw new CliExit(1, `invalid --scale value ${s}: SERVICE=NUM expected`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

export const up = composeCommand<ProjectFlags & { detach?: boolean; build?: boolean; scale: string[]; noStart?: boolean; removeOrphans?: boolean; wait?: boolean; waitTimeout?: number; abortOnContainerExit?: boolean; exitCodeFrom?: string }>({
  usage: '[OPTIONS] [SERVICE...]',
  description: 'Create and start containers',
  flags: [
    { flags: '-d, --detach', key: 'detach', kind: 'bool', description: 'Detached mode: Run containers in the background' },
    { flags: '--build', key: 'build', kind: 'bool', description: 'Build images before starting containers' },
    { flags: '--scale', key: 'scale', kind: 'list', description: 'Scale SERVICE to NUM instances' },
    { flags: '--no-start', key: 'noStart', kind: 'bool', description: "Don't start the services after creating them" },
    { flags: '--remove-orphans', key: 'removeOrphans', kind: 'bool', description: 'Remove containers for services not defined in the Compose file' },
    { flags: '--wait', key: 'wait', kind: 'bool', description: 'Wait for services to be running|healthy. Implies detached mode' },
    { flags: '--wait-timeout', key: 'waitTimeout', kind: 'int', description: 'Maximum duration in seconds to wait for the project to be running|healthy' },
    { flags: '--abort-on-container-exit', key: 'abortOnContainerExit', kind: 'bool', description: 'Stops all containers if any container was stopped. Incompatible with -d' },
    { flags: '--exit-code-from', key: 'exitCodeFrom', kind: 'string', description: 'Return the exit code of the selected service container. Implies --abort-on-container-exit' },
  ],
  async action(ctx, r, p, services, f) {
    const abort = f.abortOnContainerExit || f.exitCodeFrom !== undefined;
    if (abort && (f.detach || f.wait)) throw new CliExit(1, '--abort-on-container-exit and --exit-code-from cannot be combined with -d or --wait');
    if (f.exitCodeFrom !== undefined && !p.services[f.exitCodeFrom]) throw new CliExit(1, `no such service: ${f.exitCodeFrom}`);
    const ids = await r.up({ services, build: f.build, scale: scaleFlags(f.scale), noStart: f.noStart, removeOrphans: f.removeOrphans });
    if (f.noStart) return 0;
    if (f.wait) {
      await r.waitReady(ids, (f.waitTimeout ?? 0) * 1000);
      return 0;
    }
    if (f.detach) return 0;
    // attached: follow the logs until every container has stopped; Ctrl-C stops them, as compose does
    const stop = () => {
      ctx.err.write('Gracefully stopping... (press Ctrl+C again to force)\n');
      void r.each('stop', services).finally(() => process.exit(130));
    };
    process.once('SIGINT', stop);
    try {
      const following = r.logs({ services, follow: true });
      if (!abort) {
        await following;
        return 0;
      }
      const first = await r.firstExit(ids);
      ctx.err.write(`Aborting on container exit...\n`);
      await r.each('stop', services);
      await following;
      if (f.exitCodeFrom === undefined) return first.code;
      return (await r.exitCodeOf(f.exitCodeFrom)) ?? first.code;
    } finally {
      process.off('SIGINT', stop);
    }
  },
});

const TIMEOUT_FLAG = { flags: '-t, --timeout', key: 'timeout', kind: 'int', description: 'Specify a shutdown timeout in seconds' } as const;

export const down = composeCommand<ProjectFlags & { volumes?: boolean; rmi?: string; removeOrphans?: boolean; timeout?: number }>({
  usage: '[OPTIONS]',
  description: 'Stop and remove containers, networks',
  flags: [
    { flags: '-v, --volumes', key: 'volumes', kind: 'bool', description: 'Remove named volumes declared in the "volumes" section of the Compose file and anonymous volumes attached to containers' },
    { flags: '--rmi', key: 'rmi', kind: 'string', description: 'Remove images used by services. "local" remove only images that don\'t have a custom tag ("local"|"all")' },
    { flags: '--remove-orphans', key: 'removeOrphans', kind: 'bool', description: 'Remove containers for services not defined in the Compose file' },
    TIMEOUT_FLAG,
  ],
  maxArgs: 0,
  async action(_ctx, r, _p, _args, f) {
    if (f.rmi && f.rmi !== 'local' && f.rmi !== 'all') throw new CliExit(1, `invalid value for --rmi: ${f.rmi}`);
    await r.down({ volumes: f.volumes, rmi: f.rmi as 'local' | 'all' | undefined, removeOrphans: f.removeOrphans, timeout: f.timeout });
    return 0;
  },
});

export const ps = composeCommand<ProjectFlags & { all?: boolean; quiet?: boolean; services?: boolean }>({
  usage: '[OPTIONS] [SERVICE...]',
  description: 'List containers',
  flags: [
    { flags: '-a, --all', key: 'all', kind: 'bool', description: 'Show all stopped containers' },
    { flags: '-q, --quiet', key: 'quiet', kind: 'bool', description: 'Only display IDs' },
    { flags: '--services', key: 'services', kind: 'bool', description: 'Display services' },
  ],
  async action(ctx, r, p, only, f) {
    const cs = (await r.containers({ all: f.all ?? false })).filter((c) => !only.length || only.includes(c.Labels?.[LABEL.service] ?? ''));
    if (f.services) {
      for (const s of new Set(cs.map((c) => c.Labels?.[LABEL.service] ?? ''))) ctx.out.write(`${s}\n`);
      return 0;
    }
    if (f.quiet) {
      for (const c of cs) ctx.out.write(`${c.Id}\n`);
      return 0;
    }
    const rows = [['NAME', 'IMAGE', 'COMMAND', 'SERVICE', 'STATUS', 'PORTS']];
    for (const c of cs) {
      const ports = (c.Ports ?? []).filter((x) => x.PublicPort).map((x) => `${x.IP ?? '0.0.0.0'}:${x.PublicPort}->${x.PrivatePort}/${x.Type}`).join(', ');
      const cmd = c.Command.length > 20 ? `"${c.Command.slice(0, 19)}…"` : `"${c.Command}"`;
      rows.push([c.Names[0]!.replace(/^\//, ''), c.Image, cmd, c.Labels?.[LABEL.service] ?? '', c.Status, ports]);
    }
    void p;
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
    for (const row of rows) ctx.out.write(`${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]! + 3))).join('').trimEnd()}\n`);
    return 0;
  },
});

export const logs = composeCommand<ProjectFlags & { follow?: boolean; tail?: string; timestamps?: boolean }>({
  usage: '[OPTIONS] [SERVICE...]',
  description: 'View output from containers',
  flags: [
    { flags: '-f, --follow', key: 'follow', kind: 'bool', description: 'Follow log output' },
    { flags: '-n, --tail', key: 'tail', kind: 'string', description: 'Number of lines to show from the end of the logs for each container' },
    { flags: '-t, --timestamps', key: 'timestamps', kind: 'bool', description: 'Show timestamps' },
  ],
  async action(_ctx, r, _p, services, f) {
    await r.logs({ services, follow: f.follow, tail: f.tail, timestamps: f.timestamps });
    return 0;
  },
});

export const build = composeCommand<ProjectFlags & { noCache?: boolean; quiet?: boolean }>({
  usage: '[OPTIONS] [SERVICE...]',
  description: 'Build or rebuild services',
  flags: [
    { flags: '--no-cache', key: 'noCache', kind: 'bool', description: 'Do not use cache when building the image' },
    { flags: '-q, --quiet', key: 'quiet', kind: 'bool', description: "Don't print anything to STDOUT" },
  ],
  async action(_ctx, r, p, services, f) {
    for (const s of startOrder(p, services)) if (s.build && (!services.length || services.includes(s.name))) await r.build(s, { noCache: f.noCache, quiet: f.quiet });
    return 0;
  },
});

function lifecycle(verb: 'stop' | 'start' | 'restart', description: string): CommandModule<ProjectFlags & { timeout?: number }> {
  return composeCommand<ProjectFlags & { timeout?: number }>({
    usage: '[SERVICE...]',
    description,
    // start has no timeout, as in docker compose
    flags: verb === 'start' ? [] : [TIMEOUT_FLAG],
    async action(_ctx, r, _p, services, f) {
      await r.each(verb, services, f.timeout);
      return 0;
    },
  });
}

export const stop = lifecycle('stop', 'Stop services');
export const start = lifecycle('start', 'Start services');
export const restart = lifecycle('restart', 'Restart service containers');

export const config = composeCommand<ProjectFlags & { services?: boolean; quiet?: boolean }>({
  usage: '[OPTIONS]',
  description: 'Parse, resolve and render compose file in canonical format',
  flags: [
    { flags: '--services', key: 'services', kind: 'bool', description: 'Print the service names, one per line' },
    { flags: '-q, --quiet', key: 'quiet', kind: 'bool', description: 'Only validate the configuration, don\'t print anything' },
  ],
  maxArgs: 0,
  async action(ctx, _r, p, _args, f) {
    if (f.quiet) return 0;
    if (f.services) {
      for (const s of Object.keys(p.services)) ctx.out.write(`${s}\n`);
      return 0;
    }
    ctx.out.write(renderProject(p));
    return 0;
  },
});

export const kube = composeCommand<ProjectFlags>({
  usage: '',
  description: 'Generate Kubernetes manifests (Deployments, Services, PersistentVolumeClaims) for the project',
  flags: [],
  maxArgs: 0,
  async action(ctx, _r, p) {
    const { objects, warnings } = toKube(p);
    ctx.out.write(kubeYaml(objects));
    for (const w of warnings) ctx.err.write(`warning: ${w}\n`);
    return 0;
  },
});

/** `compose exec SERVICE CMD…`: the service's container N (1 by default) through `berth exec`; a tty unless -T, as compose does. */
export const exec = composeCommand<ProjectFlags & { noTty?: boolean; detach?: boolean; env: string[]; index?: number; user?: string; workdir?: string; privileged?: boolean }>({
  usage: '[OPTIONS] SERVICE COMMAND [ARGS...]',
  description: 'Execute a command in a running container',
  flags: [
    { flags: '-T, --no-TTY', key: 'noTty', kind: 'bool', description: 'Disable pseudo-TTY allocation' },
    { flags: '-d, --detach', key: 'detach', kind: 'bool', description: 'Detached mode: Run command in the background' },
    { flags: '-e, --env', key: 'env', kind: 'list', description: 'Set environment variables' },
    { flags: '--index', key: 'index', kind: 'int', description: 'Index of the container if service has multiple replicas' },
    { flags: '-u, --user', key: 'user', kind: 'string', description: 'Run the command as this user' },
    { flags: '-w, --workdir', key: 'workdir', kind: 'string', description: 'Path to workdir directory for this command' },
    { flags: '--privileged', key: 'privileged', kind: 'bool', description: 'Give extended privileges to the process' },
  ],
  minArgs: 2,
  passThrough: true,
  async action(ctx, r, _p, [service, ...cmd], f) {
    const n = f.index ?? 1;
    const c = (await r.containers({ service })).find((x) => Number(x.Labels?.[LABEL.number]) === n && x.State === 'running');
    if (!c) throw new CliExit(1, `service "${service}" is not running container #${n}`);
    const tty = !f.noTty && !f.detach && !!ctx.streams.stdin.isTTY;
    const mod = (require('../container/exec') as typeof import('../container/exec')).command;
    return mod.run(ctx, [c.Id, ...cmd], { env: f.env, envFile: [], interactive: !f.detach, tty, detach: f.detach, user: f.user, workdir: f.workdir, privileged: f.privileged });
  },
});

/** `compose run [--rm] [-T] SERVICE [COMMAND…]`: a one-off container, attached through `berth start -a`. */
export const run = composeCommand<ProjectFlags & { rm?: boolean; noTty?: boolean; detach?: boolean; env: string[]; noDeps?: boolean; name?: string }>({
  usage: '[OPTIONS] SERVICE [COMMAND] [ARGS...]',
  description: 'Run a one-off command on a service',
  flags: [
    { flags: '--rm', key: 'rm', kind: 'bool', description: 'Automatically remove the container when it exits' },
    { flags: '-T, --no-TTY', key: 'noTty', kind: 'bool', description: 'Disable pseudo-TTY allocation' },
    { flags: '-d, --detach', key: 'detach', kind: 'bool', description: 'Run container in background and print container ID' },
    { flags: '-e, --env', key: 'env', kind: 'list', description: 'Set environment variables' },
    { flags: '--no-deps', key: 'noDeps', kind: 'bool', description: "Don't start linked services" },
    { flags: '--name', key: 'name', kind: 'string', description: 'Assign a name to the container' },
  ],
  minArgs: 1,
  passThrough: true,
  async action(ctx, r, _p, [service, ...cmd], f) {
    const interactive = !f.detach && !f.noTty;
    const { id, name } = await r.createOneOff(service!, { cmd, env: f.env, noDeps: f.noDeps, tty: interactive && !!ctx.streams.stdin.isTTY, stdin: interactive, name: f.name });
    const client = await ctx.client();
    if (f.detach) {
      await client.containers.start(id);
      ctx.out.write(`${name}\n`);
      return 0;
    }
    const start = (require('../container/start') as typeof import('../container/start')).command;
    try {
      return await start.run(ctx, [id], { attach: true, interactive });
    } finally {
      if (f.rm) await client.containers.remove(id, { force: true }).catch(() => undefined);
    }
  },
});

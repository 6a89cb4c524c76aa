/**
 * Verbs that act on each named container in turn and echo its name on success
 * (stop, kill, restart, rm, pause, unpause). Every failure is printed; exit 1 if any failed.
 */
import type { CommandModule } from '../../command-module';
import { forEachTarget } from '../../for-each-target';

interface StopFlags {
  time?: number;
  timeout?: number;
  signal?: string;
}

const STOP_FLAGS = [
  { flags: '-s, --signal', key: 'signal', kind: 'string', description: 'Signal to send to the container' },
  { flags: '-t, --timeout', key: 'timeout', kind: 'int', description: 'Seconds to wait before killing the container' },
  { flags: '--time', key: 'time', kind: 'int', description: 'Seconds to wait before killing the container (deprecated)', hidden: true },
] as const;

export const stop: CommandModule<StopFlags> = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Stop one or more running containers',
  flags: STOP_FLAGS,
  minArgs: 1,
  run: (ctx, names, f) => forEachTarget(ctx, names, (c, n) => c.containers.stop(n, { t: f.timeout ?? f.time, signal: f.signal })),
};

export const restart: CommandModule<StopFlags> = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Restart one or more containers',
  flags: STOP_FLAGS,
  minArgs: 1,
  run: (ctx, names, f) => forEachTarget(ctx, names, (c, n) => c.containers.restart(n, { t: f.timeout ?? f.time, signal: f.signal })),
};

export const kill: CommandModule<{ signal?: string }> = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Kill one or more running containers',
  flags: [{ flags: '-s, --signal', key: 'signal', kind: 'string', description: 'Signal to send to the container' }],
  minArgs: 1,
  run: (ctx, names, f) => forEachTarget(ctx, names, (c, n) => c.containers.kill(n, f.signal)),
};

export const rm: CommandModule<{ force?: boolean; volumes?: boolean; link?: boolean }> = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Remove one or more containers',
  flags: [
    { flags: '-f, --force', key: 'force', kind: 'bool', description: 'Force the removal of a running container (uses SIGKILL)' },
    { flags: '-l, --link', key: 'link', kind: 'bool', description: 'Remove the specified link' },
    { flags: '-v, --volumes', key: 'volumes', kind: 'bool', description: 'Remove anonymous volumes associated with the container' },
  ],
  minArgs: 1,
  run: (ctx, names, f) => forEachTarget(ctx, names, (c, n) => c.containers.remove(n, { force: f.force, v: f.volumes, link: f.link })),
};

export const pause: CommandModule<Record<string, never>> = {
  usage: 'CONTAINER [CONTAINER...]',
  description: 'Pause all processes within one or more containers',
  flags: [],
  minArgs: 1,
  run: (ctx, names) => forEachTarget(ctx, names, (c, n) => c.containers.pause(n)),
};

export const unpause: CommandModule<Record<string, never>> = {
  usage: 'CONTAINER [CONTAINER...]',
  description: 'Unpause all processes within one or more containers',
  flags: [],
  minArgs: 1,
  run: (ctx, names) => forEachTarget(ctx, names, (c, n) => c.containers.unpause(n)),
};

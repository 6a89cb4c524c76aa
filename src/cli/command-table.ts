/**
 * Every command: its canonical path, top-level aliases, summary, and a loader so
 * that only the invoked command's module is ever required (startup time).
 */
import type { CommandModule } from './command-module';

export interface CommandEntry {
  path: string[];
  aliases: string[][];
  summary: string;
  load: () => CommandModule<never>;
}

type Loader = () => CommandModule<never>;
const c = (path: string, aliases: string[], summary: string, load: Loader): CommandEntry => ({
  path: path.split(' '),
  aliases: aliases.map((a) => a.split(' ')),
  summary,
  load,
});

/* eslint-disable @typescript-eslint/no-require-imports -- lazy loading is the point of this table */
export const COMMANDS: CommandEntry[] = [
  c('container run', ['run'], 'Create and run a new container from an image', () => require('./commands/container/run').command),
  c('container create', ['create'], 'Create a new container', () => require('./commands/container/create').command),
  c('container start', ['start'], 'Start one or more stopped containers', () => require('./commands/container/start').command),
  c('container stop', ['stop'], 'Stop one or more running containers', () => require('./commands/container/multi-target').stop),
  c('container kill', ['kill'], 'Kill one or more running containers', () => require('./commands/container/multi-target').kill),
  c('container restart', ['restart'], 'Restart one or more containers', () => require('./commands/container/multi-target').restart),
  c('container rm', ['rm', 'container remove'], 'Remove one or more containers', () => require('./commands/container/multi-target').rm),
  c('container pause', ['pause'], 'Pause all processes within one or more containers', () => require('./commands/container/multi-target').pause),
  c('container unpause', ['unpause'], 'Unpause all processes within one or more containers', () => require('./commands/container/multi-target').unpause),
  c('container wait', ['wait'], 'Block until one or more containers stop, then print their exit codes', () => require('./commands/container/wait').command),
  c('container ls', ['ps', 'container ps', 'container list'], 'List containers', () => require('./commands/container/ps').command),
  c('container inspect', [], 'Display detailed information on one or more containers', () => require('./commands/inspect').containerInspect),
  c('container logs', ['logs'], 'Fetch the logs of a container', () => require('./commands/container/logs').command),
  c('container exec', ['exec'], 'Execute a command in a running container', () => require('./commands/container/exec').command),
  c('container attach', ['attach'], "Attach local standard input, output, and error streams to a running container", () => require('./commands/container/attach').command),
  c('container top', ['top'], 'Display the running processes of a container', () => require('./commands/container/top').command),
  c('container rename', ['rename'], 'Rename a container', () => require('./commands/container/rename').command),
  c('container port', ['port'], 'List port mappings or a specific mapping for the container', () => require('./commands/container/port').command),
  c('container prune', [], 'Remove all stopped containers', () => require('./commands/container/prune').command),
  c('container cp', ['cp'], 'Copy files/folders between a container and the local filesystem', () => require('./commands/container/cp').command),
  c('container update', ['update'], 'Update configuration of one or more containers', () => require('./commands/container/update').command),
  c('container commit', ['commit'], "Create a new image from a container's changes", () => require('./commands/container/commit').command),
  c('container diff', ['diff'], "Inspect changes to files or directories on a container's filesystem", () => require('./commands/container/diff').command),
  c('container export', ['export'], "Export a container's filesystem as a tar archive", () => require('./commands/container/export').command),
  c('image build', ['build', 'builder build'], 'Build an image from a Dockerfile', () => require('./commands/image/build').command),
  c('image ls', ['images', 'image list'], 'List images', () => require('./commands/image/ls').command),
  c('image inspect', [], 'Display detailed information on one or more images', () => require('./commands/inspect').imageInspect),
  c('image rm', ['rmi', 'image remove'], 'Remove one or more images', () => require('./commands/image/rm').command),
  c('image tag', ['tag'], 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE', () => require('./commands/image/tag').command),
  c('image history', ['history'], 'Show the history of an image', () => require('./commands/image/history').command),
  c('image save', ['save'], 'Save one or more images to a tar archive (streamed to STDOUT by default)', () => require('./commands/image/save').command),
  c('image load', ['load'], 'Load an image from a tar archive or STDIN', () => require('./commands/image/load').command),
  c('image import', ['import'], 'Import the contents from a tarball to create a filesystem image', () => require('./commands/image/import').command),
  c('image sbom', ['sbom'], "List an image's packages as an SPDX or CycloneDX document", () => require('./commands/image/sbom').command),
  c('image scan', ['scan'], "Match an image's packages against an OSV advisory file", () => require('./commands/image/scan').command),
  c('trust sign', [], "Sign an image's manifest at its registry", () => require('./commands/image/trust').sign),
  c('trust verify', [], "Verify an image's signature at its registry", () => require('./commands/image/trust').verify),
  c('image prune', [], 'Remove unused images', () => require('./commands/image/prune').command),
  c('image pull', ['pull'], 'Download an image from a registry', () => require('./commands/image/pull').command),
  c('image push', ['push'], 'Upload an image to a registry', () => require('./commands/image/push').command),
  c('login', [], 'Authenticate to a registry', () => require('./commands/system/login').command),
  c('logout', [], 'Log out from a registry', () => require('./commands/system/logout').command),
  c('network create', [], 'Create a network', () => require('./commands/network/create').command),
  c('network ls', ['network list'], 'List networks', () => require('./commands/network/ls').command),
  c('network inspect', [], 'Display detailed information on one or more networks', () => require('./commands/network/inspect').command),
  c('network rm', ['network remove'], 'Remove one or more networks', () => require('./commands/network/rm').command),
  c('network connect', [], 'Connect a container to a network', () => require('./commands/network/connect').command),
  c('network disconnect', [], 'Disconnect a container from a network', () => require('./commands/network/disconnect').command),
  c('network prune', [], 'Remove all unused networks', () => require('./commands/network/prune').command),
  c('volume create', [], 'Create a volume', () => require('./commands/volume/create').command),
  c('volume ls', ['volume list'], 'List volumes', () => require('./commands/volume/ls').command),
  c('volume inspect', [], 'Display detailed information on one or more volumes', () => require('./commands/volume/inspect').command),
  c('volume rm', ['volume remove'], 'Remove one or more volumes', () => require('./commands/volume/rm').command),
  c('volume prune', [], 'Remove unused local volumes', () => require('./commands/volume/prune').command),
  c('compose up', [], 'Create and start containers', () => require('./commands/compose').up),
  c('compose down', [], 'Stop and remove containers, networks', () => require('./commands/compose').down),
  c('compose ps', [], 'List containers', () => require('./commands/compose').ps),
  c('compose logs', [], 'View output from containers', () => require('./commands/compose').logs),
  c('compose build', [], 'Build or rebuild services', () => require('./commands/compose').build),
  c('compose stop', [], 'Stop services', () => require('./commands/compose').stop),
  c('compose start', [], 'Start services', () => require('./commands/compose').start),
  c('compose restart', [], 'Restart service containers', () => require('./commands/compose').restart),
  c('compose exec', [], 'Execute a command in a running container', () => require('./commands/compose').exec),
  c('compose run', [], 'Run a one-off command on a service', () => require('./commands/compose').run),
  c('compose kube', [], 'Generate Kubernetes manifests for the project', () => require('./commands/compose').kube),
  c('compose config', [], 'Parse, resolve and render compose file in canonical format', () => require('./commands/compose').config),
  c('kube play', [], 'Create containers, pods and volumes based on Kubernetes YAML', () => require('./commands/kube').play),
  c('kube down', [], 'Remove containers, pods and volumes based on Kubernetes YAML', () => require('./commands/kube').down),
  c('kube generate', [], 'Generate Kubernetes YAML from containers or pods', () => require('./commands/kube').generate),
  c('inspect', [], 'Return low-level information on Docker objects', () => require('./commands/inspect').anyInspect),
  c('system version', ['version'], 'Show the Berth version information', () => require('./commands/system/version').command),
  c('system info', ['info'], 'Display system-wide information', () => require('./commands/system/info').command),
  c('system events', ['events'], 'Get real time events from the server', () => require('./commands/system/events').command),
  c('daemon', [], 'Run the Berth daemon (berthd)', () => require('./commands/system/daemon').command),
  c('registry', [], 'Run an OCI distribution registry', () => require('./commands/system/registry').command),
];

export const GROUPS: Record<string, string> = {
  compose: 'Define and run multi-container applications',
  container: 'Manage containers',
  image: 'Manage images',
  kube: 'Play, remove and generate Kubernetes YAML',
  network: 'Manage networks',
  volume: 'Manage volumes',
  system: 'Manage Berth',
};

/** Finds the entry for the words after the global options (`["image", "ls"]`, `["ps"]`). */
export function findCommand(words: string[]): { entry: CommandEntry; used: string[] } | undefined {
  for (const entry of COMMANDS) {
    for (const p of [entry.path, ...entry.aliases]) {
      if (p.every((w, i) => words[i] === w)) return { entry, used: p };
    }
  }
  return undefined;
}

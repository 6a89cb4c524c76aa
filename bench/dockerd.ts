/** A throwaway dockerd (Debian's docker.io) on its own socket and roots, for side-by-side benchmarks. */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { DOCKER } from '../test/kit/daemon';

export async function startDockerd(base: string, network: 'none' | 'default'): Promise<{ env: NodeJS.ProcessEnv; stop: () => Promise<void> } | undefined> {
  if (!existsSync('/usr/sbin/dockerd') && !existsSync('/usr/bin/dockerd')) return undefined;
  const sock = path.join(base, 'dockerd.sock');
  const proc = spawn('dockerd', [
    '--host', `unix://${sock}`, '--data-root', path.join(base, 'dockerd-data'), '--exec-root', path.join(base, 'dockerd-exec'),
    '--pidfile', path.join(base, 'dockerd.pid'),
    // with --network default dockerd gets its docker0 bridge (no iptables, so its figure is if anything flattered)
    ...(network === 'default' ? ['--iptables=false'] : ['--bridge', 'none', '--iptables=false']),
    '--default-ulimit', 'nofile=1024:1024', '--default-ulimit', 'nproc=1024:1024',
  ], { stdio: 'ignore' });
  const env = { ...process.env, DOCKER_HOST: `unix://${sock}` };
  for (let i = 0; i < 200; i++) {
    if (spawnSync(DOCKER, ['version'], { env, stdio: 'ignore' }).status === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    env,
    stop: async () => {
      spawnSync(DOCKER, ['rm', '-f', ...execFileSync(DOCKER, ['ps', '-aq'], { env }).toString().split('\n').filter(Boolean)], { env, stdio: 'ignore' });
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
      spawnSync('sh', ['-c', `grep ' ${base}' /proc/mounts | cut -d' ' -f2 | sort -r | xargs -r umount -l`]);
      if (network === 'default') spawnSync('ip', ['link', 'del', 'docker0']);
    },
  };
}

/** Host facts the pure OCI spec generator needs, read once per daemon. */
import { promises as fs } from 'node:fs';
import type { HostFacts } from '../runtime/oci-spec';
import { detectCgroupVersion } from '../platform/cgroups';

let cached: Promise<HostFacts> | undefined;

export function hostFacts(): Promise<HostFacts> {
  cached ??= readHostFacts();
  return cached;
}

async function readHostFacts(): Promise<HostFacts> {
  const limits = await fs.readFile('/proc/self/limits', 'utf8');
  const names: Record<string, string> = {
    'Max open files': 'nofile',
    'Max processes': 'nproc',
    'Max core file size': 'core',
    'Max locked memory': 'memlock',
    'Max stack size': 'stack',
    'Max file size': 'fsize',
    'Max cpu time': 'cpu',
    'Max data size': 'data',
    'Max address space': 'as',
    'Max file locks': 'locks',
    'Max pending signals': 'sigpending',
    'Max msgqueue size': 'msgqueue',
    'Max nice priority': 'nice',
    'Max realtime priority': 'rtprio',
    'Max realtime timeout': 'rttime',
    'Max resident set': 'rss',
  };
  const rlimitHard: Record<string, number> = {};
  for (const line of limits.split('\n')) {
    for (const [label, name] of Object.entries(names)) {
      if (line.startsWith(label)) {
        const hard = line.slice(label.length).trim().split(/\s+/)[1];
        rlimitHard[name] = hard === 'unlimited' || hard === undefined ? Number.MAX_SAFE_INTEGER : Number(hard);
      }
    }
  }
  return { cgroupVersion: await detectCgroupVersion(), rlimitHard };
}

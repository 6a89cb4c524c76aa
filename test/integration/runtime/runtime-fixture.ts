/**
 * A real runtime (conmon + runc) in a temp exec root, a busybox rootfs, and a
 * cleanup that runs even when a test fails: runc delete --force, kill conmon,
 * remove the temp dir. Never touches /var/lib/berth or /run/berth.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { silentLogger } from '../../../src/base/logger';
import { makeBusyboxRootfs } from '../../kit/busybox';
import { createRuntime, type ConmonRuntime } from '../../../src/runtime/conmon';
import { generateRuntimeSpec, type HostFacts } from '../../../src/runtime/oci-spec';
import type { RuntimeSpecInput } from '../../../src/runtime/types';
import { detectCgroupVersion } from '../../../src/platform/cgroups';

export interface RuntimeFixture {
  root: string;
  rootfs: string;
  runtime: ConmonRuntime;
  /** writes a bundle for `id` with `args` and overrides; returns the bundle dir */
  bundle(id: string, args: string[], over?: Partial<RuntimeSpecInput>): Promise<string>;
  /** unique container id (also registers it for cleanup) */
  newId(): string;
  dispose(): Promise<void>;
}

let seq = 0;
const CGROUP_DIRS = ['memory', 'pids', 'cpu', 'cpuacct', 'cpuset', 'devices', 'freezer', 'blkio', 'net_cls', 'net_prio', 'perf_event', 'hugetlb', 'rdma', 'misc', 'systemd', 'unified', ''];

export async function hostFactsForTest(): Promise<HostFacts> {
  const limits = await fs.readFile('/proc/self/limits', 'utf8');
  const line = limits.split('\n').find((l) => l.startsWith('Max open files')) ?? '';
  const hard = Number(line.trim().split(/\s+/)[4]);
  return { cgroupVersion: await detectCgroupVersion(), rlimitHard: { nofile: hard }, capLastCap: Number((await fs.readFile('/proc/sys/kernel/cap_last_cap', 'utf8')).trim()) };
}

export function baseInput(id: string, rootfs: string, args: string[]): RuntimeSpecInput {
  return {
    id,
    rootfs,
    readonlyRootfs: false,
    args,
    env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    cwd: '/',
    user: { uid: 0, gid: 0, additionalGids: [] },
    terminal: false,
    hostname: id.slice(0, 12),
    extraMounts: [],
    namespaces: { network: 'private', pid: 'private', ipc: 'private', uts: 'private' },
    privileged: false,
    capAdd: [],
    capDrop: [],
    noNewPrivileges: false,
    cgroupsPath: `/berth-test/${id}`,
    resources: { memory: 0, memorySwap: 0, memoryReservation: 0, nanoCpus: 0, cpuShares: 0, cpuQuota: 0, cpuPeriod: 0, cpusetCpus: '', cpusetMems: '', pidsLimit: 0, oomKillDisable: false },
    ulimits: [],
    shmSize: 0,
    sysctls: {},
    tmpfs: {},
    devices: [],
    annotations: {},
  };
}

export async function openRuntimeFixture(): Promise<RuntimeFixture> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-rt-'));
  const rootfs = await makeBusyboxRootfs(path.join(root, 'rootfs'));
  const runtime = (await createRuntime({ execRoot: path.join(root, 'exec'), runtime: 'runc', logger: silentLogger })) as ConmonRuntime;
  const facts = await hostFactsForTest();
  const ids: string[] = [];
  return {
    root,
    rootfs,
    runtime,
    newId() {
      const id = `berthtest${process.pid}x${++seq}x${Date.now().toString(36)}`;
      ids.push(id);
      return id;
    },
    async bundle(id, args, over = {}) {
      const dir = path.join(root, 'bundles', id);
      await fs.mkdir(dir, { recursive: true });
      const spec = generateRuntimeSpec({ ...baseInput(id, rootfs, args), ...over }, facts);
      await fs.writeFile(path.join(dir, 'config.json'), JSON.stringify(spec, null, 1));
      return dir;
    },
    async dispose() {
      for (const id of ids) {
        const conmonPidFile = path.join(runtime.containerDir(id), 'conmon.pid');
        const conmonPid = Number(await fs.readFile(conmonPidFile, 'utf8').catch(() => '0'));
        await runtime.delete(id, true).catch(() => undefined);
        if (conmonPid > 0) {
          try {
            process.kill(conmonPid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
        await runtime.cleanup(id).catch(() => undefined);
        for (const ctl of CGROUP_DIRS) {
          await fs.rmdir(path.join('/sys/fs/cgroup', ctl, 'berth-test', id)).catch(() => undefined);
        }
      }
      // exec sessions may have left conmons behind; they are children of init, match by our temp root only
      try {
        execFileSync('runc', ['--root', path.join(root, 'exec', 'runc'), 'list', '-q']).toString().split('\n').filter(Boolean).forEach((id) => {
          execFileSync('runc', ['--root', path.join(root, 'exec', 'runc'), 'delete', '--force', id]);
        });
      } catch {
        // no runc state dir: nothing to delete
      }
      for (const ctl of CGROUP_DIRS) await fs.rmdir(path.join('/sys/fs/cgroup', ctl, 'berth-test')).catch(() => undefined); // busy or absent: leave it
      await fs.rm(root, { recursive: true, force: true });
    },
  };
}

/** Reads a stream to its end. */
export async function readAll(s: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks);
}

/** Docker stdcopy frames → { stdout, stderr }. */
export function demux(buf: Buffer): { stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  let i = 0;
  while (i + 8 <= buf.length) {
    const len = buf.readUInt32BE(i + 4);
    const payload = buf.subarray(i + 8, i + 8 + len).toString('utf8');
    if (buf[i] === 2) stderr += payload;
    else stdout += payload;
    i += 8 + len;
  }
  return { stdout, stderr };
}

export async function waitFor<T>(fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** berth-fsd (the long-lived mount/xattr helper) and the build steps' runtime choice. Needs root. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openSync, closeSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FsHelperError, helperMount, helperUnmount, helperXattrs } from '../../../src/platform/fs-helper';
import { isMounted, unmount } from '../../../src/platform/mount';
import { readXattrs } from '../../../src/layer/berth-fs';
import { nativeToolPath } from '../../../src/platform/native-tool';
import { run } from '../../../src/platform/spawn';
import { detectCgroupMode } from '../../../src/platform/cgroups';
import { findBinary, OciRuntime, probeStepRuntime } from '../../../src/runtime/oci-runtime';

let root: string;

before(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-fsd-'));
});
after(async () => {
  await unmount(path.join(root, 'merged')).catch(() => undefined);
  await fs.rm(root, { recursive: true, force: true });
});

describe('platform/fs-helper (berth-fsd)', () => {
  it('mounts an overlay, reads xattrs as berth-xattrs does, unmounts a busy mount lazily', async () => {
    for (const d of ['lower', 'upper', 'work', 'merged']) await fs.mkdir(path.join(root, d));
    await fs.writeFile(path.join(root, 'lower', 'a'), 'a');
    await fs.mkdir(path.join(root, 'lower', 'dir'));
    const merged = path.join(root, 'merged');
    await helperMount('overlay', merged, 'overlay', `lowerdir=lower,upperdir=${root}/upper,workdir=${root}/work`, root);
    assert.equal(await isMounted(merged), true);
    // a directory made again where one was removed hides the lower one: overlayfs marks it opaque
    await fs.rm(path.join(merged, 'dir'), { recursive: true });
    await fs.mkdir(path.join(merged, 'dir'));
    const viaTool = await readXattrs(path.join(root, 'upper'), nativeToolPath('berth-xattrs'));
    const viaHelper = await readXattrs(path.join(root, 'upper'));
    assert.deepEqual(viaHelper, viaTool);
    assert.equal(viaHelper.get('dir')?.get('trusted.overlay.opaque')?.toString(), 'y');
    // an open file keeps the mount busy: the helper detaches it
    const fd = openSync(path.join(merged, 'a'), 'r');
    try {
      await helperUnmount(merged);
      assert.equal(await isMounted(merged), false);
    } finally {
      closeSync(fd);
    }
  });

  it('reports a failed call with its errno and answers the next one', async () => {
    await assert.rejects(helperMount('overlay', path.join(root, 'absent', 'target'), 'overlay', 'lowerdir=/nonexistent'), (e: unknown) => e instanceof FsHelperError && e.errno === 2 && /absent\/target/.test(e.message));
    await assert.rejects(helperUnmount(root), (e: unknown) => e instanceof FsHelperError && e.errno === 22, 'not a mount point: EINVAL');
    assert.equal(await helperXattrs(path.join(root, 'lower')), '');
  });
});

/** The helper processes this test process started (their parent is us). */
async function helpers(): Promise<number[]> {
  const out: number[] = [];
  for (const pid of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const m = /^\d+ \((.*)\) \S+ (\d+)/.exec(stat);
    if (m?.[1] === 'berth-fsd' && Number(m[2]) === process.pid) out.push(Number(pid));
  }
  return out;
}

describe('platform/fs-helper restarts', () => {
  it('a helper that died is started again by the next call', async () => {
    await helperXattrs(root);
    const [pid] = await helpers();
    assert.ok(pid, 'one helper runs');
    process.kill(pid, 'SIGKILL');
    while ((await helpers()).includes(pid)) await new Promise((r) => setTimeout(r, 20));
    // the exit may be seen before or after the next call is written: it then fails once, and the one after works
    await helperXattrs(root).catch(() => helperXattrs(root));
    const now = await helpers();
    assert.equal(now.length, 1);
    assert.notEqual(now[0], pid);
  });
});

describe('runtime/probeStepRuntime', () => {
  it('takes crun (under berth-v1view on a hybrid host) unless told runc; the daemon\'s runtime when crun is missing', async () => {
    const runc = await findBinary('runc');
    const crun = await findBinary('crun');
    if (!runc) return;
    const main = new OciRuntime('runc', runc, path.join(root, 'runc'));
    assert.equal(await probeStepRuntime(main, 'runc', path.join(root, 'crun')), main);
    assert.equal(await probeStepRuntime(main, 'auto', path.join(root, 'crun'), { dirs: [path.join(root, 'nothing')] }), main);
    if (!crun) return;
    const mode = await detectCgroupMode();
    const step = await probeStepRuntime(main, 'auto', path.join(root, 'crun'), { v1view: nativeToolPath('berth-v1view') });
    assert.equal(step.name, 'crun');
    assert.deepEqual(step.launcher, mode === 'hybrid' ? [nativeToolPath('berth-v1view'), '/sys/fs/cgroup/unified'] : []);
    if (mode === 'hybrid') assert.equal(await probeStepRuntime(main, 'auto', path.join(root, 'crun'), { v1view: path.join(root, 'missing') }), main, 'no helper, no crun');
    // the launcher leaves the host's mounts alone
    const before = await fs.readFile('/proc/self/mountinfo', 'utf8');
    await run([...step.launcher, crun, '--version']);
    assert.equal(await fs.readFile('/proc/self/mountinfo', 'utf8'), before);
  });
});

/** Overlay mounts (incl. lowerdir lists longer than a page, and idmapped layers) and cgroup detection. Needs root. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isMounted, mountOverlay, unmount } from '../../../src/platform/mount';
import { nativeToolPath } from '../../../src/platform/native-tool';
import { run } from '../../../src/platform/spawn';
import { detectCgroupMode, detectCgroupVersion } from '../../../src/platform/cgroups';

let root: string;
const targets: string[] = [];

before(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-mnt-'));
});
after(async () => {
  for (const t of targets) await unmount(t).catch(() => undefined);
  await fs.rm(root, { recursive: true, force: true });
});

async function layers(n: number, nameLen: number): Promise<string[]> {
  const dirs: string[] = [];
  for (let i = 0; i < n; i++) {
    const d = path.join(root, 'layers', `${String(i).padStart(4, '0')}${'x'.repeat(nameLen)}`, 'diff');
    await fs.mkdir(d, { recursive: true });
    await fs.writeFile(path.join(d, `f${i}`), String(i));
    await fs.writeFile(path.join(d, 'top'), String(i));
    dirs.push(d);
  }
  return dirs;
}

describe('platform/mount', () => {
  it('mounts an overlay, reports it mounted, and unmounts it', async () => {
    const lowers = await layers(2, 4);
    const target = path.join(root, 'small', 'merged');
    targets.push(target);
    await mountOverlay({ lowerDirs: lowers, upperDir: path.join(root, 'small', 'upper'), workDir: path.join(root, 'small', 'work'), target });
    assert.equal(await isMounted(target), true);
    assert.equal(await fs.readFile(path.join(target, 'top'), 'utf8'), '0', 'first lower dir is the top layer');
    await fs.writeFile(path.join(target, 'new'), 'x');
    assert.equal(await fs.readFile(path.join(root, 'small', 'upper', 'new'), 'utf8'), 'x');
    await unmount(target);
    assert.equal(await isMounted(target), false);
    await unmount(target); // not mounted: no error
  });

  it('handles lowerdir lists longer than a page', async () => {
    const lowers = await layers(60, 100);
    assert.ok(lowers.join(':').length > 4096);
    const target = path.join(root, 'big', 'merged');
    targets.push(target);
    await mountOverlay({ lowerDirs: lowers, upperDir: path.join(root, 'big', 'upper'), workDir: path.join(root, 'big', 'work'), target });
    assert.equal(await fs.readFile(path.join(target, 'f59'), 'utf8'), '59');
    assert.equal(await fs.readFile(path.join(target, 'top'), 'utf8'), '0');
    await unmount(target);
    assert.equal(await isMounted(target), false);
  });
});

describe('platform/cgroups', () => {
  it('detects the cgroup mode consistently with the version', async () => {
    const mode = await detectCgroupMode();
    assert.ok(['v1', 'hybrid', 'v2'].includes(mode));
    assert.equal(await detectCgroupVersion(), mode === 'v2' ? 2 : 1);
  });

  // --userns-remap's layers: root-owned files of the image seen as the remapped root's, without a chowned copy.
  // Linux 6.8+ takes the layers one by one; 5.19 to 6.7 only as one string, forced here by the helper's variable.
  for (const form of ['one by one', 'as one string'] as const) {
    it(`mounts idmapped layers (${form})`, async (t) => {
      const dir = path.join(root, `idmap-${form.replace(/ /g, '-')}`);
      await fs.mkdir(dir, { recursive: true });
      const userns = path.join(dir, 'userns');
      await fs.writeFile(userns, '');
      await run([nativeToolPath('berth-userns'), 'create', userns, '0 100000 65536', '0 100000 65536'], { timeoutMs: 10_000 });
      t.after(() => unmount(userns).catch(() => undefined));
      const lowers = await layers(40, 60);
      const target = path.join(dir, 'merged');
      targets.push(target);
      if (form === 'as one string') process.env.BERTH_IDMAP_LOWERDIR_STRING = '1';
      try {
        await mountOverlay({ lowerDirs: lowers, upperDir: path.join(dir, 'upper'), workDir: path.join(dir, 'work'), target, idmapUserns: userns });
      } finally {
        delete process.env.BERTH_IDMAP_LOWERDIR_STRING;
      }
      assert.equal(await fs.readFile(path.join(target, 'top'), 'utf8'), '0', 'first lower dir is the top layer');
      assert.equal(await fs.readFile(path.join(target, 'f39'), 'utf8'), '39');
      assert.equal((await fs.stat(path.join(target, 'f39'))).uid, 100000, 'a root-owned layer file shows as the remapped root');
      assert.equal((await fs.stat(lowers[39]!)).uid, 0, 'the layer itself is untouched');
      const line = (await fs.readFile('/proc/self/mountinfo', 'utf8')).split('\n').find((l) => l.split(' ')[4] === target) ?? '';
      assert.match(line, form === 'one by one' ? /lowerdir\+=/ : /lowerdir=0:1:2:/, line);
      await unmount(target);
      assert.deepEqual(await fs.readdir(dir).then((l) => l.filter((n) => n === 'idmap')), [], 'the attach points are gone');
    });
  }
});

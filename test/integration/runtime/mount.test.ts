/** Overlay mounts (incl. lowerdir lists longer than a page) and cgroup detection. Needs root. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isMounted, mountOverlay, unmount } from '../../../src/platform/mount';
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
});

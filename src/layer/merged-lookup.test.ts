import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lookupMerged, type LayerView } from './merged-lookup';

/** Three real diff dirs, top-most first, as the layer store keeps them (whiteouts are 0/0 devices: root only). */
async function layers(t: { after: (fn: () => Promise<void>) => void }): Promise<LayerView[]> {
  const base = await fs.mkdtemp(path.join(os.tmpdir(), 'merged-lookup-'));
  t.after(() => fs.rm(base, { recursive: true, force: true }));
  const [top, mid, bottom] = ['top', 'mid', 'bottom'].map((n) => path.join(base, n)) as [string, string, string];
  for (const d of [top, mid, bottom]) await fs.mkdir(d);
  await fs.mkdir(path.join(bottom, 'etc/sub'), { recursive: true });
  await fs.writeFile(path.join(bottom, 'etc/passwd'), 'x');
  await fs.writeFile(path.join(bottom, 'etc/sub/deep'), 'x');
  await fs.mkdir(path.join(bottom, 'gone'));
  await fs.symlink('/etc', path.join(bottom, 'link'));
  await fs.mkdir(path.join(mid, 'etc'));
  await fs.writeFile(path.join(mid, 'etc/new'), 'x');
  await fs.mkdir(path.join(top, 'etc'), { mode: 0o700 });
  execFileSync('mknod', [path.join(top, 'gone'), 'c', '0', '0']);
  return [
    { dir: top, opaque: new Set(['etc']) },
    { dir: mid, opaque: new Set() },
    { dir: bottom, opaque: new Set() },
  ];
}

test('lookupMerged: the top-most entry, whiteouts, opaque directories, and a symlink on the way', { skip: process.getuid?.() !== 0 && 'needs root for mknod' }, async (t) => {
  const l = await layers(t);
  const e = await lookupMerged(l, 'etc');
  assert.equal(e.kind, 'entry');
  assert.equal(e.kind === 'entry' && e.stat.mode & 0o777, 0o700, 'the top-most layer that has it');
  assert.deepEqual(await lookupMerged(l, 'gone'), { kind: 'absent' }, 'a whiteout hides what is below');
  assert.deepEqual(await lookupMerged(l, 'etc/passwd'), { kind: 'absent' }, 'an opaque directory hides the layers below it');
  assert.deepEqual(await lookupMerged(l, 'etc/new'), { kind: 'absent' });
  assert.equal((await lookupMerged(l.slice(1), 'etc/passwd')).kind, 'entry', 'without the opaque layer the lower file shows');
  assert.equal((await lookupMerged(l.slice(1), 'etc/sub/deep')).kind, 'entry');
  assert.equal((await lookupMerged(l, 'link')).kind, 'entry', 'the last component is not followed');
  assert.deepEqual(await lookupMerged(l, 'link/passwd'), { kind: 'blocked', at: 'link' });
  assert.deepEqual(await lookupMerged(l, 'nothing/here'), { kind: 'absent' });
});

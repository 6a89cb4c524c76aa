import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { volumeSubpath } from './subpath';

test('a volume subpath: links inside are followed, links out of the volume and missing paths are refused in dockerd\'s words', async () => {
  const base = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-subpath-'));
  try {
    const vol = path.join(base, 'vol');
    await fs.mkdir(path.join(vol, 'subdir'), { recursive: true });
    await fs.mkdir(path.join(vol, 'hack'));
    await fs.symlink('/', path.join(vol, 'hack', 'root'));
    await fs.symlink('../subdir', path.join(vol, 'hack', 'good'));
    await fs.symlink('root', path.join(vol, 'hack', 'bad'));
    await fs.symlink('../../..', path.join(vol, 'hack', 'up'));
    assert.equal(await volumeSubpath(vol, 'subdir'), path.join(await fs.realpath(vol), 'subdir'));
    assert.equal(await volumeSubpath(vol, 'hack/good'), path.join(await fs.realpath(vol), 'subdir'));
    for (const sub of ['hack/root', 'hack/bad', 'hack/up']) {
      await assert.rejects(volumeSubpath(vol, sub), { kind: 'InvalidArgument', message: `path concatenation escapes the base directory, base: ${vol}, subpath: ${sub}` });
    }
    await assert.rejects(volumeSubpath(vol, 'nope'), { kind: 'NotFound', message: new RegExp(`^cannot access path ${vol}/nope: .*no such file or directory$`) });
  } finally {
    await fs.rm(base, { recursive: true, force: true });
  }
});

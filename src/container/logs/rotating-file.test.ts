import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RotatingFile } from './rotating-file';
import { jsonFileLine, parseJsonFileLine } from './formats';
import { readLogFiles } from './reader';

test('rotates at max-size, keeps max-file files (compressed), and the reader reads across them in order', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rotlog-'));
  try {
    const f = path.join(dir, 'c-json.log');
    const rf = new RotatingFile(f, { maxSize: 2000, maxFile: 3, compress: true });
    for (let i = 0; i < 200; i++) await rf.write([jsonFileLine({ stream: 'stdout', time: '2026-12-04T00:00:00.000000000Z', content: `line ${i}`, partial: false })]);
    rf.close();
    const names = (await fs.readdir(dir)).sort();
    assert.deepEqual(names, ['c-json.log', 'c-json.log.1.gz', 'c-json.log.2.gz']);
    for (const n of names.filter((x) => !x.endsWith('.gz'))) assert.ok((await fs.stat(path.join(dir, n))).size <= 2000);
    const got: string[] = [];
    for await (const e of readLogFiles(f, parseJsonFileLine, { follow: false, isLive: () => false })) got.push(e.data.toString());
    assert.equal(got[got.length - 1], 'line 199\n');
    const first = Number(/line (\d+)/.exec(got[0]!)![1]);
    assert.deepEqual(got, Array.from({ length: 200 - first }, (_, i) => `line ${first + i}\n`));
    const tail: string[] = [];
    for await (const e of readLogFiles(f, parseJsonFileLine, { follow: false, tail: got.length - 1, isLive: () => false })) tail.push(e.data.toString());
    assert.deepEqual(tail, got.slice(1));
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('restore cuts lines written after the saved mark', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rotlog-'));
  try {
    const f = path.join(dir, 'x.log');
    const rf = new RotatingFile(f, { maxSize: -1, maxFile: 1, compress: false });
    await rf.write(['a\n']);
    const m = rf.mark();
    await rf.write(['b\n']);
    rf.close();
    const again = new RotatingFile(f, { maxSize: -1, maxFile: 1, compress: false });
    again.restore(m);
    await again.write(['c\n']);
    again.close();
    assert.equal(await fs.readFile(f, 'utf8'), 'a\nc\n');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

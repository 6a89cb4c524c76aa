import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseK8sLine, toDockerTime } from './k8s-file';
import { parseLocalLine } from './formats';
import { readLogFiles } from './reader';

test('parses a full stdout line', () => {
  const p = parseK8sLine(Buffer.from('2026-11-28T05:00:00.123456789+00:00 stdout F hello world'));
  assert.equal(p?.stream, 'stdout');
  assert.equal(p?.partial, false);
  assert.equal(p?.content.toString(), 'hello world');
});

test('conmon times become Docker RFC3339Nano UTC', () => {
  assert.equal(toDockerTime('2026-11-28T05:00:00.1234+00:00'), '2026-11-28T05:00:00.123400000Z');
});

test('partial lines join the next full line; tail keeps the last N', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'k8slog-'));
  try {
    const f = path.join(dir, 'log');
    await fs.writeFile(f, [
      '2026-11-28T05:00:00.1+00:00 stdout F one',
      '2026-11-28T05:00:01.1+00:00 stderr P tw',
      '2026-11-28T05:00:01.2+00:00 stderr F o',
      '2026-11-28T05:00:02.1+00:00 stdout F three',
      '',
    ].join('\n'));
    const all: string[] = [];
    for await (const e of readLogFiles(f, parseLocalLine, { follow: false, isLive: () => false })) all.push(`${e.stream}:${e.data.toString()}`);
    assert.deepEqual(all, ['stdout:one\n', 'stderr:tw', 'stderr:o\n', 'stdout:three\n']);
    const tail: string[] = [];
    for await (const e of readLogFiles(f, parseLocalLine, { follow: false, tail: 1, isLive: () => false })) tail.push(e.data.toString());
    assert.deepEqual(tail, ['three\n']);
    const since: string[] = [];
    const t = Date.parse('2026-11-28T05:00:02Z') / 1000;
    for await (const e of readLogFiles(f, parseLocalLine, { follow: false, since: t, isLive: () => false })) since.push(e.data.toString());
    assert.deepEqual(since, ['three\n']);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

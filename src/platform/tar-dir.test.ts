import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { extract } from 'tar-stream';
import type { Readable } from 'node:stream';
import { tarDirectory } from './tar-dir';

let dir: string;

async function names(s: Readable): Promise<string[]> {
  const out: string[] = [];
  const x = extract();
  x.on('entry', (h, body, next) => {
    out.push(h.name);
    body.resume();
    body.on('end', next);
  });
  s.pipe(x);
  await new Promise<void>((resolve, reject) => {
    x.on('finish', resolve);
    x.on('error', reject);
    s.on('error', reject);
  });
  return out;
}

describe('tarDirectory', () => {
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-tardir-'));
    await fs.writeFile(path.join(dir, 'hello.txt'), 'hi\n');
    // stands in for a tar that fails halfway: some bytes, then an error exit
    await fs.writeFile(path.join(dir, 'half-tar'), '#!/bin/sh\nprintf "some bytes"\necho "tar: boom" >&2\nexit 2\n', { mode: 0o755 });
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  test('a directory becomes a tar stream', async () => {
    assert.ok((await names(await tarDirectory(dir))).includes('./hello.txt'));
  });

  test('a tar that cannot be run is a rejection, not a crash', async () => {
    await assert.rejects(tarDirectory(dir, path.join(dir, 'no-such-tar')), /cannot run tar/);
  });

  test('a tar that fails before writing is a rejection', async () => {
    await assert.rejects(tarDirectory(path.join(dir, 'no-such-dir')), /tar failed \(2\)/);
  });

  test('a tar that fails after writing errors the stream', async () => {
    const s = await tarDirectory(dir, path.join(dir, 'half-tar'));
    await assert.rejects(async () => {
      for await (const _ of s) void _;
    }, /tar failed \(2\): tar: boom/);
  });
});

/** runRegistry (the `berth registry` entry): ready callback, serving, clean stop, crash repair at start. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { runRegistry } from '../../../src/registry/main.js';
import { silentLogger } from '../../../src/base/logger.js';
import { listFiles, makeTempDir, request } from './kit/registry-fixture.js';

test('runRegistry serves until stopped, and clears leftovers of a crashed run at start', async (t) => {
  const data = path.join(await makeTempDir(t, 'run'), 'data');
  // What a crash mid-upload and mid-tag-write leaves behind.
  await fs.mkdir(path.join(data, 'uploads'), { recursive: true });
  await fs.writeFile(path.join(data, 'uploads', 'dead-session'), 'half a layer');
  await fs.mkdir(path.join(data, 'repos', 'app', '_manifests', 'tags'), { recursive: true });
  await fs.writeFile(path.join(data, 'repos', 'app', '_manifests', 'tags', 'v1.tmp-0123abcd'), 'sha256:');

  const stop = new AbortController();
  t.after(() => stop.abort());
  let url = '';
  const done = manualDeferred();
  const ready = new Promise<void>((resolve) => {
    void runRegistry({ addr: '127.0.0.1:0', data, log: silentLogger, signal: stop.signal, onReady: (u) => { url = u; resolve(); } }).then(() => done.resolve());
  });
  await ready;
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal((await request(url, { path: '/v2/' })).status, 200);
  assert.deepEqual(await listFiles(data), [], 'stale upload and temp tag file removed');
  stop.abort();
  await done.promise;
  await assert.rejects(request(url, { path: '/v2/' }), /ECONNREFUSED/);
});

function manualDeferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

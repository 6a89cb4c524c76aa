/**
 * A layer refused at its first entry while the client is still uploading:
 * the daemon must answer with the reason, not reset the connection (the
 * request body used to be destroyed with the unpack, and its socket with it).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { cli, DOCKER, startDaemon } from '../../kit/daemon';

test('docker import of a long tarball refused at its first entry gets the reason, every time', async (t) => {
  const d = await startDaemon('importbad');
  t.after(() => d.close());
  const dir = path.join(d.base, 'evil');
  await fs.mkdir(path.join(dir, 'a'), { recursive: true });
  await fs.writeFile(path.join(dir, 'a', 'x'), 'x');
  const tar = path.join(d.base, 'evil.tar');
  execFileSync('tar', ['-C', dir, '-cf', tar, '--absolute-names', 'a/x', '--transform', 's,^a/x,../../escaped-berth-test,']);
  // 32 MiB after the archive: still on its way when the first entry is refused
  await fs.appendFile(tar, Buffer.alloc(32 << 20));
  for (let i = 0; i < 3; i++) {
    const r = await cli(DOCKER, d, ['import', tar, 'evil:1']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /escape|outside|invalid/i);
  }
  assert.equal((await cli(DOCKER, d, ['images', '-q'])).stdout, '');
});

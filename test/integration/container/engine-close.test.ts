/**
 * The library door's own lifecycle: container prune reports what it freed, and engine.close()
 * leaves no restart-policy start behind (it ran after close, on a closed engine).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createEngine, defaultContainerSpec, type Engine } from '../../../src/index';
import { makeBusyboxTar } from '../../kit/busybox';
import { cleanupRoots } from '../../kit/cleanup';
import { freeSubnet } from '../../kit/subnets';

let base: string;
let engine: Engine;
let closed = false;
const roots = () => ({ dataRoot: path.join(base, 'data'), execRoot: path.join(base, 'run') });

/** Polls `pred` until it holds ('restarting' has no event to wait on), failing after `ms`. */
async function waitFor(pred: () => Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('library: prune and close', () => {
  before(async () => {
    base = await fs.mkdtemp(path.join(os.tmpdir(), 'bt-close-'));
    const tag = path.basename(base).slice(-5).replace(/[^a-zA-Z0-9]/g, 'x');
    engine = await createEngine({ ...roots(), defaultBridge: { subnet: freeSubnet(), interfaceName: `bc${tag}` } });
    const tar = await makeBusyboxTar(path.join(base, 'bb.tar'));
    await engine.images.importRootfs(createReadStream(tar), { repo: 'bb', tag: 'latest' });
  });
  after(async () => {
    if (!closed) await engine?.close();
    const r = roots();
    await cleanupRoots(r.dataRoot, r.execRoot);
    await fs.rm(base, { recursive: true, force: true });
  });

  test('container prune removes stopped containers and reports the bytes of their writable layers', async () => {
    const { id } = await engine.containers.create({ ...defaultContainerSpec('bb'), cmd: ['sh', '-c', 'head -c 200000 /dev/zero > /big'] });
    const waited = engine.containers.wait(id, { condition: 'next-exit' });
    await engine.containers.start(id);
    assert.equal((await waited).statusCode, 0);
    const r = await engine.containers.prune();
    assert.deepEqual(r.deleted, [id]);
    assert.ok(r.spaceReclaimed >= 200_000, `spaceReclaimed ${r.spaceReclaimed}`);
  });

  test('close() cancels a pending restart-policy start', async () => {
    const { id } = await engine.containers.create({
      ...defaultContainerSpec('bb'),
      cmd: ['sh', '-c', 'exit 1'],
      host: { ...defaultContainerSpec('bb').host, restartPolicy: { name: 'always', maximumRetryCount: 0 } },
    });
    await engine.containers.start(id);
    // the backoff doubles from 100 ms: by the 4th restart the next waits 1.6 s, time enough to close in
    await waitFor(async () => {
      const s = (await engine.containers.inspect(id)).state;
      return s.status === 'restarting' && s.restartCount >= 4;
    }, 'the 4th restart');
    const before = (await engine.containers.inspect(id)).state.restartCount;
    await engine.close();
    closed = true;
    // a non-event can only be waited for: past twice the pending backoff, nothing may have run
    await new Promise((r) => setTimeout(r, 2 * 100 * 2 ** before));
    const s = (await engine.containers.inspect(id)).state;
    assert.equal(s.restartCount, before, 'a restart ran after close()');
    assert.equal(s.status, 'restarting');
  });
});

/**
 * bin/berth against berthd: the `run` path the latency work touched (no ping, attach and
 * wait together, pumping from before start) keeps Docker's exit codes and output.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { startDaemon, cli, BERTH, type TestDaemon } from '../../kit/daemon';
import { makeBusyboxTar } from '../../kit/busybox';

let d: TestDaemon;
const berth = (args: string[], input?: string) => cli(BERTH, d, args, input === undefined ? {} : { input });

describe('berth CLI against berthd', () => {
  before(async () => {
    d = await startDaemon('bcli');
    const r = await berth(['import', await makeBusyboxTar(path.join(d.base, 'bb.tar')), 'bb:latest']);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await d?.close();
  });

  test('a silent container that exits before start answers still gives its code (run --rm, start -a)', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await berth(['run', '--rm', '--network', 'none', 'bb', 'sh', '-c', 'exit 3']);
      assert.deepEqual([r.code, r.stdout, r.stderr], [3, '', '']);
    }
    const id = (await berth(['create', '--network', 'none', 'bb', 'sh', '-c', 'exit 5'])).stdout.trim();
    assert.equal((await berth(['start', '-a', id])).code, 5);
    assert.equal((await berth(['rm', id])).code, 0);
  });

  test('run --rm: output on both streams, and the container is gone when the CLI returns', async () => {
    const r = await berth(['run', '--rm', '--name', 'gone', '--network', 'none', 'bb', 'sh', '-c', 'echo out; echo err >&2; exit 4']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [4, 'out\n', 'err\n']);
    assert.equal((await berth(['ps', '-aq', '--filter', 'name=gone'])).stdout, '');
  });

  test('run -i forwards piped stdin', async () => {
    const r = await berth(['run', '--rm', '-i', '--network', 'none', 'bb', 'cat'], 'piped\n');
    assert.deepEqual([r.code, r.stdout], [0, 'piped\n']);
  });

  test('exit codes 125, 126, 127', async () => {
    assert.equal((await berth(['run', '--rm', '--network', 'none', 'bb', '/nosuchcmd'])).code, 127);
    assert.equal((await berth(['run', '--rm', '--network', 'none', 'bb', '/etc'])).code, 126);
    assert.equal((await berth(['run', '--rm', '--bogus-flag', 'bb', 'true'])).code, 125);
  });
});

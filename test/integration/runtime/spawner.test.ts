/** berth-spawnd: processes a build step starts without forking the daemon. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { helperSpawner, type HelperChild } from '../../../src/platform/spawner';

function ended(c: HelperChild): Promise<{ out: string; code: number | null; signal: string | null }> {
  let out = '';
  c.on('output', (b: Buffer) => (out += b.toString('utf8')));
  return new Promise((resolve, reject) => {
    c.once('error', reject);
    c.once('close', (code: number | null, signal: string | null) => resolve({ out, code, signal }));
  });
}

describe('platform/spawner (berth-spawnd)', () => {
  const spawn = helperSpawner();

  it('is built', () => {
    assert.ok(spawn, 'build/native/berth-spawnd is missing');
  });

  it('runs processes side by side: stdout and stderr as one stream, all of it before the exit code', async () => {
    const bytes = 200_000; // more than one pipe buffer and one read
    const [a, b] = await Promise.all([
      ended(spawn!('/bin/sh', ['-c', `echo out; echo err >&2; head -c ${bytes} /dev/zero | tr '\\0' x; exit 3`])),
      ended(spawn!('/bin/sh', ['-c', 'sleep 0.1; printf "arg:%s" "$0"', 'two words'])),
    ]);
    assert.equal(a.code, 3);
    assert.equal(a.signal, null);
    assert.match(a.out, /^out\nerr\nx+$/);
    assert.equal(a.out.length, 8 + bytes);
    assert.deepEqual(b, { out: 'arg:two words', code: 0, signal: null });
  });

  it('reports a process killed by a signal, and one that cannot start', async () => {
    const killed = spawn!('/bin/sh', ['-c', 'kill -KILL $$']);
    assert.deepEqual(await ended(killed), { out: '', code: null, signal: 'SIGKILL' });
    await assert.rejects(ended(spawn!('/nonexistent/tool', [])), /errno 2/);
    // stdin is /dev/null: a reader ends at once
    assert.equal((await ended(spawn!('/bin/cat', []))).code, 0);
  });

  it('a helper that dies fails what it ran, and the next spawn starts a new one', async () => {
    const c = spawn!('/bin/sh', ['-c', 'sleep 5']);
    const result = ended(c);
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(c.pid && c.pid > 0);
    // the helper is the sleeping shell's parent
    const helperPid = Number((await import('node:fs')).readFileSync(`/proc/${c.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
    process.kill(helperPid, 'SIGKILL');
    await assert.rejects(result, /berth-spawnd exited/);
    process.kill(c.pid!, 'SIGKILL'); // orphaned with its helper gone
    assert.deepEqual(await ended(spawn!('/bin/echo', ['again'])), { out: 'again\n', code: 0, signal: null });
  });
});

/**
 * The daemon socket is 0660 root:berth, as dockerd's is root:docker: a member of the group talks to the
 * daemon without sudo, anyone else is refused by the kernel.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { startDaemon, BERTHD } from '../../kit/daemon';
import { lookupGroupId } from '../../../src/platform/groups';

const run = promisify(execFile);

/** GET /_ping on the socket as another user: the status code, or the connect error's code. */
async function pingAs(user: string, socket: string): Promise<string> {
  const js = `require('http').get({socketPath:${JSON.stringify(socket)},path:'/_ping'},r=>{console.log(r.statusCode);process.exit(0)}).on('error',e=>{console.log(e.code);process.exit(0)})`;
  const { stdout } = await run('runuser', ['-u', user, '--', process.execPath, '-e', js]);
  return stdout.trim();
}

test('the socket is 0660 root:berth; a berth group member is served, another user is refused', async () => {
  const gid = await lookupGroupId('berth');
  assert.ok(gid !== undefined, 'scripts/setup.sh creates the berth group');
  const d = await startDaemon('sg');
  const tag = randomBytes(3).toString('hex');
  const member = `bt-sgm-${tag}`;
  const outsider = `bt-sgo-${tag}`;
  try {
    await fs.chmod(d.base, 0o755); // mkdtemp made it 0700: let the test users reach the socket
    const end = Date.now() + 10_000;
    while ((await fs.stat(d.socket)).gid !== gid && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    const st = await fs.stat(d.socket);
    assert.equal(st.gid, gid);
    assert.equal(st.uid, 0);
    assert.equal(st.mode & 0o777, 0o660);
    await run('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', '--groups', 'berth', member]);
    await run('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', outsider]);
    assert.equal(await pingAs(member, d.socket), '200');
    assert.equal(await pingAs(outsider, d.socket), 'EACCES');
  } finally {
    for (const u of [member, outsider]) await run('userdel', [u]).catch(() => undefined);
    await d.close();
  }
});

test('a group named on purpose must exist', async () => {
  const base = await fs.mkdtemp('/tmp/bt-sgx-');
  try {
    const r = await run(process.execPath, [BERTHD, '--data-root', `${base}/data`, '--exec-root', `${base}/run`, '-H', `unix://${base}/s.sock`, '--group', `no-such-group-${randomBytes(3).toString('hex')}`]).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /group no-such-group-\w+ not found/);
  } finally {
    await fs.rm(base, { recursive: true, force: true });
  }
});

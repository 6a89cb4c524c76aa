import { test } from 'node:test';
import assert from 'node:assert/strict';
import { absContainerPath, goBase, goFileMode, goTimeUtc, hostPathOf, mountChildren, resolveContainerPath, type PathMount, type PathProbe } from './path-resolve';

/** An in-memory host: symlinks by host path; `files` exist as non-links. */
function fakeProbe(links: Record<string, string>, files: string[]): PathProbe {
  return {
    readlink: async (h) => (h in links ? links[h] : files.includes(h) ? null : undefined),
  };
}

const table: PathMount[] = [
  { destination: '/', source: '/r', rw: true },
  { destination: '/data', source: '/vol/_data', rw: true },
  { destination: '/etc/hosts', source: '/c/hosts', rw: true },
];

test('absolute forms keep "/" and "/." and refuse an empty path in dockerd\'s words', () => {
  assert.equal(absContainerPath('tmp'), '/tmp');
  assert.equal(absContainerPath('/tmp/'), '/tmp/');
  assert.equal(absContainerPath('/tmp/.'), '/tmp/.');
  assert.equal(absContainerPath('/../../etc'), '/etc');
  assert.equal(absContainerPath('/'), '/');
  assert.throws(() => absContainerPath(''), /bad parameter: pathcannot be empty/);
});

test('names are Go base names', () => {
  assert.equal(goBase('/tmp/'), 'tmp');
  assert.equal(goBase('/tmp/.'), '.');
  assert.equal(goBase('/'), '/');
});

test('the longest mount wins and maps to its host source', () => {
  assert.deepEqual(hostPathOf(table, '/data/x/y').hostPath, '/vol/_data/x/y');
  assert.equal(hostPathOf(table, '/data').hostPath, '/vol/_data');
  assert.equal(hostPathOf(table, '/database').hostPath, '/r/database');
  assert.equal(hostPathOf(table, '/etc/hosts').hostPath, '/c/hosts');
  assert.equal(hostPathOf(table, '/etc/hostsx').hostPath, '/r/etc/hostsx');
  assert.deepEqual(mountChildren(table, '/etc'), ['hosts']);
  assert.deepEqual(mountChildren(table, '/'), ['data']);
});

test('an absolute symlink restarts at the container root, never the host root', async () => {
  const probe = fakeProbe({ '/r/tmp/esc': '/etc' }, ['/r/tmp', '/r/etc']);
  const r = await resolveContainerPath(table, '/tmp/esc/passwd', probe, { followLast: true });
  assert.equal(r.containerPath, '/etc/passwd');
  assert.equal(r.hostPath, '/r/etc/passwd');
});

test('".." in a link target stops at "/"', async () => {
  const probe = fakeProbe({ '/r/tmp/up': '../../../../../../../etc' }, ['/r/tmp', '/r/etc']);
  const r = await resolveContainerPath(table, '/tmp/up/shadow', probe, { followLast: true });
  assert.equal(r.hostPath, '/r/etc/shadow');
});

test('a link into a volume lands in the volume\'s host source', async () => {
  const probe = fakeProbe({ '/r/app': 'data/app' }, []);
  const r = await resolveContainerPath(table, '/app/x', probe, { followLast: true });
  assert.equal(r.containerPath, '/data/app/x');
  assert.equal(r.hostPath, '/vol/_data/app/x');
});

test('the last component is followed only when asked', async () => {
  const probe = fakeProbe({ '/r/tmp/l': '/bin' }, ['/r/tmp', '/r/bin']);
  assert.equal((await resolveContainerPath(table, '/tmp/l', probe, { followLast: false })).containerPath, '/tmp/l');
  assert.equal((await resolveContainerPath(table, '/tmp/l', probe, { followLast: true })).containerPath, '/bin');
});

test('a symlink loop is an error, not a hang', async () => {
  const probe = fakeProbe({ '/r/a': 'b', '/r/b': 'a' }, []);
  await assert.rejects(resolveContainerPath(table, '/a/x', probe, { followLast: true }), /too many levels of symbolic links/);
});

test('modes in Go os.FileMode bits, as recorded from dockerd', () => {
  assert.equal(goFileMode(0o100644), 420);
  assert.equal(goFileMode(0o040755), 2147484141); // a-cli-containers.txt: /bin
  assert.equal(goFileMode(0o041777), 2148532735); // /tmp with the sticky bit
  assert.equal(goFileMode(0o104755), 8389101); // setuid
  assert.equal(goFileMode(0o120777), 134218239); // symlink
  assert.equal(goFileMode(0o010644), 2 ** 25 + 0o644); // fifo
  assert.equal(goFileMode(0o020666), 2 ** 26 + 2 ** 21 + 0o666); // char device
});

test('times as Go marshals them: UTC, nanoseconds without trailing zeros', () => {
  const t = BigInt(Date.parse('2026-11-28T03:59:22Z') / 1000);
  assert.equal(goTimeUtc(t * 1_000_000_000n), '2026-11-28T03:59:22Z');
  assert.equal(goTimeUtc(t * 1_000_000_000n + 220152739n), '2026-11-28T03:59:22.220152739Z');
  assert.equal(goTimeUtc(t * 1_000_000_000n + 500000000n), '2026-11-28T03:59:22.5Z');
});

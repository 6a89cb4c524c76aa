import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { extractTar } from './extract';

type Entry = { name: string; type?: 'file' | 'directory' | 'symlink' | 'link'; linkname?: string; body?: string };

async function tarOf(entries: Entry[]): Promise<Readable> {
  const pack = tar.pack();
  for (const e of entries) pack.entry({ name: e.name, type: e.type ?? 'file', linkname: e.linkname, mode: e.type === 'directory' ? 0o755 : 0o644 }, e.body ?? '');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Readable.from([Buffer.concat(chunks)]);
}

async function withDirs(fn: (dest: string, outside: string) => Promise<void>): Promise<void> {
  const base = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-extract-'));
  try {
    await fs.mkdir(path.join(base, 'dest'));
    await fs.mkdir(path.join(base, 'outside'));
    await fs.writeFile(path.join(base, 'outside', 'secret'), 'host file');
    await fn(path.join(base, 'dest'), path.join(base, 'outside'));
  } finally {
    await fs.rm(base, { recursive: true, force: true });
  }
}

describe('build context extraction', () => {
  it('makes files, folders, symlinks and hard links of an ordinary context', () =>
    withDirs(async (dest) => {
      await extractTar(await tarOf([
        { name: 'app/', type: 'directory' },
        { name: 'app/main.js', body: 'hi' },
        { name: 'app/link', type: 'symlink', linkname: 'main.js' },
        { name: 'app/hard', type: 'link', linkname: 'app/main.js' },
      ]), dest);
      assert.equal(await fs.readFile(path.join(dest, 'app/hard'), 'utf8'), 'hi');
      assert.equal(await fs.readlink(path.join(dest, 'app/link')), 'main.js');
    }));

  it('puts ../x and /x at x, as dockerd does unpacking chrooted into the destination', () =>
    withDirs(async (dest, outside) => {
      await extractTar(await tarOf([{ name: '../foo', body: 'foo' }, { name: '/bar', body: 'bar' }, { name: 'a/../../../baz', body: 'baz' }]), dest);
      assert.deepEqual((await fs.readdir(dest)).sort(), ['bar', 'baz', 'foo']);
      assert.equal(await fs.readFile(path.join(dest, 'foo'), 'utf8'), 'foo');
      assert.deepEqual(await fs.readdir(outside), ['secret']);
      assert.deepEqual(await fs.readdir(path.dirname(dest)), ['dest', 'outside']);
    }));

  it('refuses an entry under a symlink that points out of the destination, and writes nothing there', () =>
    withDirs(async (dest, outside) => {
      const tarball = await tarOf([{ name: 'd', type: 'symlink', linkname: outside }, { name: 'd/planted', body: 'x' }]);
      await assert.rejects(extractTar(tarball, dest), /archive entry d\/planted passes through the symlink d/);
      assert.deepEqual((await fs.readdir(outside)).sort(), ['secret']);
    }));

  it('refuses folders made through a symlink, and hard links through one', () =>
    withDirs(async (dest, outside) => {
      await assert.rejects(extractTar(await tarOf([{ name: 'd', type: 'symlink', linkname: outside }, { name: 'd/sub/', type: 'directory' }]), dest), /passes through the symlink/);
      assert.deepEqual(await fs.readdir(outside), ['secret']);
      await assert.rejects(extractTar(await tarOf([{ name: 'e', type: 'symlink', linkname: outside }, { name: 'copy', type: 'link', linkname: 'e/secret' }]), dest), /passes through the symlink e/);
    }));

  it('a hard link to a symlink entry copies nothing from the host', () =>
    withDirs(async (dest, outside) => {
      await extractTar(await tarOf([{ name: 's', type: 'symlink', linkname: path.join(outside, 'secret') }, { name: 'l', type: 'link', linkname: 's' }]), dest);
      assert.equal(await fs.stat(path.join(dest, 'l')).catch(() => undefined), undefined);
    }));
});

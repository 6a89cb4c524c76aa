import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs, truncateSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { extract, pack, type Headers } from 'tar-stream';
import { packTree } from './tar-tree';

let dir: string;
const long = `${'l'.repeat(120)}/${'m'.repeat(90)}`;

interface Entry { h: Headers; body: Buffer }

async function read(s: Readable): Promise<Entry[]> {
  const out: Entry[] = [];
  const x = extract();
  x.on('entry', (h, body, next) => {
    const parts: Buffer[] = [];
    body.on('data', (c: Buffer) => parts.push(c));
    body.on('end', () => {
      out.push({ h, body: Buffer.concat(parts) });
      next();
    });
  });
  s.pipe(x);
  await new Promise<void>((resolve, reject) => {
    x.on('finish', resolve);
    x.on('error', reject);
    s.on('error', reject);
  });
  return out;
}

async function bytes(s: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

describe('packTree', () => {
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-tartree-'));
    await fs.mkdir(path.join(dir, 'a', long), { recursive: true });
    await fs.writeFile(path.join(dir, 'a', long, 'deep'), 'deep\n');
    await fs.writeFile(path.join(dir, 'a', 'small'), 'small\n');
    await fs.writeFile(path.join(dir, 'a', 'empty'), '');
    await fs.writeFile(path.join(dir, 'big'), createHash('sha512').update('x').digest().toString('hex').repeat(40_000)); // 5 MB: several chunks
    await fs.writeFile(path.join(dir, 'über.txt'), 'u');
    await fs.link(path.join(dir, 'a', 'small'), path.join(dir, 'hard'));
    await fs.symlink('a/small', path.join(dir, 'link'));
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  for (const local of [true, false]) {
    test(`every kind of entry reads back as written (${local ? 'local' : 'asynchronous'} tree)`, async () => {
      const entries = await read(packTree({ local, hostPathOf: (p) => path.join(dir, p), adjust: (p, _st, h) => (p === '/a/small' ? { pax: { 'SCHILY.xattr.user.k': 'v' } } : p === '/a/empty' ? { replace: { ...h, name: 'a/.wh.gone', type: 'file', size: 0, mode: 0o600 } } : undefined) }, '/', ''));
      const by = new Map(entries.map((e) => [e.h.name.replace(/\/$/, ''), e]));
      assert.deepEqual([...by.keys()], ['', 'a', 'a/.wh.gone', `a/${long.split('/')[0]}`, `a/${long}`, `a/${long}/deep`, 'a/small', 'big', 'hard', 'link', 'über.txt']);
      assert.equal(by.get(`a/${long}/deep`)?.body.toString(), 'deep\n', 'a long name goes through a pax header');
      assert.equal((by.get('a/small')?.h as (Headers & { pax?: Record<string, string> }) | undefined)?.pax?.['SCHILY.xattr.user.k'], 'v');
      assert.equal(by.get('a/small')?.body.toString(), 'small\n');
      assert.equal(by.get('a/.wh.gone')?.h.mode, 0o600);
      assert.equal(by.get('hard')?.h.type, 'link');
      assert.equal(by.get('hard')?.h.linkname, 'a/small');
      assert.equal(by.get('link')?.h.linkname, 'a/small');
      assert.equal(by.get('über.txt')?.body.toString(), 'u');
      assert.ok(by.get('big')?.body.equals(await fs.readFile(path.join(dir, 'big'))));
    });
  }

  test('the bytes are what tar-stream\'s pack writes for the same entries', async () => {
    const ours = await bytes(packTree({ local: true, hostPathOf: (p) => path.join(dir, 'a', p), adjust: (p) => (p === '/' ? { skip: true } : undefined) }, '/', ''));
    const p = pack();
    const st = await fs.lstat(path.join(dir, 'a'));
    const add = (h: Headers, body?: Buffer) => new Promise<void>((resolve, reject) => p.entry(h, body ?? Buffer.alloc(0), (e) => (e ? reject(e) : resolve())));
    const theirs = bytes(p);
    // the walk's order: names sorted, a directory before what it holds
    for (const f of ['empty', long.split('/')[0]!, long, `${long}/deep`, 'small']) {
      const s = await fs.lstat(path.join(dir, 'a', f));
      const h: Headers = { name: f, type: s.isDirectory() ? 'directory' : 'file', mode: s.mode & 0o7777, uid: s.uid, gid: s.gid, mtime: s.mtime, size: 0 };
      if (s.isDirectory()) await new Promise<void>((resolve, reject) => p.entry(h, (e) => (e ? reject(e) : resolve())));
      else await add(h, await fs.readFile(path.join(dir, 'a', f)));
    }
    p.finalize();
    assert.ok(st.isDirectory());
    assert.ok(ours.equals(await theirs));
  });

  test('a file that shrinks while it is archived fails the stream instead of corrupting it', async () => {
    const f = path.join(dir, 'shrinks');
    await fs.writeFile(f, Buffer.alloc(600_000, 1));
    // adjust() runs between the stat that sized the header and the read
    const s = packTree({ local: true, hostPathOf: (p) => path.join(dir, p), adjust: (p) => (p === '/shrinks' ? (truncateSync(f, 10), undefined) : p === '/' ? undefined : { prune: true }) }, '/', '');
    await assert.rejects(bytes(s), /shrank/);
    await fs.rm(f);
  });
});

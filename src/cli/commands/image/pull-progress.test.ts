import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { LiveLines, renderProgress } from './pull-progress';

function sink(isTTY: boolean): PassThrough & { isTTY: boolean; text: () => string } {
  const s = new PassThrough() as PassThrough & { isTTY: boolean; text: () => string };
  let got = '';
  s.on('data', (c: Buffer) => (got += c.toString()));
  s.isTTY = isTTY;
  s.text = () => got;
  return s;
}

const stream = (msgs: object[]) => Readable.from(msgs.map((m) => `${JSON.stringify(m)}\r\n`));

test('on a terminal a layer line is redrawn in place with its bar', async () => {
  const out = sink(true);
  await renderProgress(stream([
    { status: 'Pulling from x/y', id: 'latest' },
    { status: 'Pulling fs layer', id: 'aaa' },
    { status: 'Downloading', id: 'aaa', progressDetail: { current: 5, total: 10 }, progress: '[=====>    ]  5B/10B' },
    { status: 'Pull complete', id: 'aaa' },
  ]), out);
  assert.equal(out.text(), 'latest: Pulling from x/y\naaa: Pulling fs layer\n\x1b[1A\x1b[2K\raaa: Downloading [=====>    ]  5B/10B\n\x1b[1A\x1b[2K\raaa: Pull complete\n');
});

test('elsewhere status changes are plain lines and byte counts are left out', async () => {
  const out = sink(false);
  await renderProgress(stream([
    { status: 'Pulling fs layer', id: 'aaa' },
    { status: 'Downloading', id: 'aaa', progressDetail: { current: 5, total: 10 }, progress: '[=====>    ]' },
    { status: 'Pull complete', id: 'aaa' },
    { status: 'Digest: sha256:00' },
  ]), out);
  assert.equal(out.text(), 'aaa: Pulling fs layer\naaa: Pull complete\nDigest: sha256:00\n');
});

test('a line above others is reached by moving up and back down', () => {
  const out = sink(true);
  const l = new LiveLines(out);
  l.set('a', 'a1');
  l.set('b', 'b1');
  l.set('a', 'a2');
  assert.equal(out.text(), 'a1\nb1\n\x1b[2A\x1b[2K\ra2\n\x1b[1B');
});

test('an error in the stream is thrown', async () => {
  await assert.rejects(renderProgress(stream([{ errorDetail: { message: 'boom' }, error: 'boom' }]), sink(false)), /boom/);
});

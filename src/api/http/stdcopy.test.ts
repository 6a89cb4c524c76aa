import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeStdcopyFrames, encodeStdcopyFrame, StdcopyStreamFilter } from './stdcopy';

test('the stream filter keeps the frames asked for, also when a frame comes in pieces', () => {
  const f = new StdcopyStreamFilter(new Set([1] as const));
  const all = Buffer.concat([encodeStdcopyFrame(1, Buffer.from('out')), encodeStdcopyFrame(2, Buffer.from('err')), encodeStdcopyFrame(1, Buffer.from('o2'))]);
  const got = Buffer.concat([f.push(all.subarray(0, 5)), f.push(all.subarray(5, 14)), f.push(all.subarray(14))]);
  assert.deepEqual(decodeStdcopyFrames(got).frames.map((x) => x.payload.toString()), ['out', 'o2']);
});

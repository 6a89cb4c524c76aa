import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodePathStatHeader } from './container-archive';

test('the path-stat header is byte for byte what dockerd sent (a-cli-containers.txt #79)', () => {
  const h = encodePathStatHeader({ name: 'index.html', size: 23, mode: 420, mtime: '2026-11-28T03:59:22Z', linkTarget: '' });
  assert.equal(Buffer.from(h, 'base64').toString(), '{"name":"index.html","size":23,"mode":420,"mtime":"2026-11-28T03:59:22Z","linkTarget":""}');
});

test('<, > and & are escaped as Go\'s encoder does', () => {
  const h = encodePathStatHeader({ name: 'a<b>&', size: 0, mode: 0, mtime: 'x', linkTarget: '' });
  assert.match(Buffer.from(h, 'base64').toString(), /"a\\u003cb\\u003e\\u0026"/);
});

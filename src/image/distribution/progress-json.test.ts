import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeProgress, encodeProgressLine, humanSize } from './progress-json';

test('status lines match dockerd', () => {
  assert.equal(JSON.stringify(encodeProgress({ type: 'status', status: 'Pulling from rec/recimg', id: '1' })), '{"status":"Pulling from rec/recimg","id":"1"}');
  assert.equal(
    encodeProgressLine({ type: 'status', status: 'The push refers to repository [127.0.0.1:5000/rec/recimg]' }),
    '{"status":"The push refers to repository [127.0.0.1:5000/rec/recimg]"}\r\n',
  );
});

test('layer lines without progress carry an empty progressDetail', () => {
  assert.equal(JSON.stringify(encodeProgress({ type: 'layer', id: 'a758cb6e6aa6', status: 'Preparing' })), '{"status":"Preparing","progressDetail":{},"id":"a758cb6e6aa6"}');
});

test('progress bars match recorded push lines', () => {
  // recorded: {"status":"Pushing","progressDetail":{"current":19968,"total":1984189},"progress":"[>   …   ]  19.97kB/1.984MB","id":"a758cb6e6aa6"}
  const m = encodeProgress({ type: 'layer', id: 'a758cb6e6aa6', status: 'Pushing', current: 19968, total: 1984189 });
  assert.equal(m.progress, `[>${' '.repeat(49)}]  19.97kB/1.984MB`);
  assert.deepEqual(m.progressDetail, { current: 19968, total: 1984189 });
  const over = encodeProgress({ type: 'layer', id: 'x', status: 'Pushing', current: 512, total: 20 });
  assert.equal(over.progress, `[${'='.repeat(50)}>]     512B`);
  assert.equal(encodeProgress({ type: 'layer', id: 'x', status: 'Pushing', current: 1536 }).progress, ' 1.536kB');
});

test('aux line', () => {
  assert.equal(
    JSON.stringify(encodeProgress({ type: 'aux', aux: { Tag: '1', Digest: 'sha256:abc', Size: 1148 } })),
    '{"progressDetail":{},"aux":{"Tag":"1","Digest":"sha256:abc","Size":1148}}',
  );
  assert.equal(humanSize(2129920), '2.13MB');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toImageSummaryWire } from './image';
import type { ImageSummaryView } from '../../../image/types';

const view: ImageSummaryView = { id: 'sha256:ab', parentId: '', repoTags: ['bb:1'], repoDigests: [], created: 1, size: 10, labels: {}, containers: 2 };

test('the image list sends Containers as -1 before API 1.51, as dockerd does; /system/df counts them', () => {
  assert.equal(toImageSummaryWire(view, '1.49', { listed: true }).Containers, -1);
  assert.equal(toImageSummaryWire(view, '1.41', { listed: true }).Containers, -1);
  assert.equal(toImageSummaryWire(view, '1.51', { listed: true }).Containers, 2);
  assert.equal(toImageSummaryWire(view, '1.49').Containers, 2);
});

test('SharedSize is -1 unless the view computed it', () => {
  assert.equal(toImageSummaryWire(view, '1.49').SharedSize, -1);
  assert.equal(toImageSummaryWire({ ...view, sharedSize: 5 }, '1.49').SharedSize, 5);
});

/** `docker history`: the config's history, newest first, with layer sizes matched to non-empty entries. */
import { createdMs } from './filters';
import type { ImageContext } from './image-context';
import type { ImageHistoryView } from './types';

export function imageHistory(ctx: ImageContext, ref: string): ImageHistoryView[] {
  const img = ctx.store.resolve(ref);
  const sizes = img.chainIds.map((c) => ctx.layers.get(c)?.size ?? 0);
  let layer = 0;
  const rows: ImageHistoryView[] = (img.config.history ?? []).map((h) => ({
    id: '<missing>',
    created: h.created ? Math.floor(Date.parse(h.created) / 1000) : 0,
    createdBy: h.created_by ?? '',
    tags: [],
    size: h.empty_layer ? 0 : sizes[layer++] ?? 0,
    comment: h.comment ?? '',
  }));
  rows.reverse();
  if (rows[0]) {
    rows[0].id = img.id;
    rows[0].tags = [...img.repoTags];
  } else {
    rows.push({ id: img.id, created: Math.floor(createdMs(img) / 1000), createdBy: '', tags: [...img.repoTags], size: img.size, comment: '' });
  }
  return rows;
}

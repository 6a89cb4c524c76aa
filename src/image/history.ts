/** `docker history`: the config's history, newest first, with layer sizes matched to non-empty entries. */
import { createdMs } from './filters';
import type { ImageContext } from './image-context';
import type { ImageHistoryView, ImageRecord } from './types';

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
    // each image up the parent chain owns the newest history entry it has (a local build's steps)
    let at: ImageRecord | undefined = img;
    while (at) {
      const row = rows[rows.length - (at.config.history?.length ?? 0)];
      if (!row || row.id !== '<missing>') break;
      row.id = at.id;
      row.tags = [...at.repoTags];
      at = at.parent ? ctx.store.get(at.parent) : undefined;
    }
  } else {
    rows.push({ id: img.id, created: Math.floor(createdMs(img) / 1000), createdBy: '', tags: [...img.repoTags], size: img.size, comment: '' });
  }
  return rows;
}

/**
 * A new image on top of another (or of nothing): `docker commit` and every
 * step of a build. The base's config file is carried over (architecture, os,
 * history); the new one has the caller's runtime config, one more history
 * entry, and one more layer unless the step changed only metadata.
 */
import { NotFoundError } from '../base/errors';
import type { ImageConfigFile } from '../protocol/oci/image';
import type { LayerRecord } from '../layer/layer-store';
import { type ImageContext, publishImageEvent, registerImage } from './image-context';
import { adoptLayer, ingestLayer } from './layer-ingest';
import { hostArchitecture } from './import';
import type { CommitImageOptions, ImageRecord } from './types';

export async function commitImage(ctx: ImageContext, opts: CommitImageOptions): Promise<ImageRecord> {
  const base = opts.baseId ? ctx.store.get(opts.baseId) : undefined;
  if (opts.baseId && !base) throw new NotFoundError('image', opts.baseId, `No such image: ${opts.baseId}`);
  const below: LayerRecord[] = (base?.chainIds ?? []).map((c) => {
    const l = ctx.layers.get(c);
    if (!l) throw new NotFoundError('layer', c, `layer does not exist: ${c}`);
    return l;
  });
  const parentChain = base?.chainIds.at(-1) ?? null;
  const layer = opts.layer ? await ingestLayer(ctx, opts.layer, parentChain, undefined, opts.signal, { pin: true }) : opts.adopt ? await adoptLayer(ctx, opts.adopt, parentChain) : undefined;
  try {
    const now = new Date().toISOString();
    const prior = base?.config;
    const config: ImageConfigFile = {
      architecture: prior?.architecture ?? hostArchitecture(),
      os: prior?.os ?? 'linux',
      ...(prior?.variant ? { variant: prior.variant } : {}),
      created: now,
      config: opts.config,
      rootfs: { type: 'layers', diff_ids: [...(prior?.rootfs.diff_ids ?? []), ...(layer ? [layer.diffId] : [])] },
      history: [
        ...(prior?.history ?? []),
        {
          created: now,
          ...(opts.author ? { author: opts.author } : {}),
          created_by: opts.createdBy,
          ...(opts.comment ? { comment: opts.comment } : {}),
          ...(layer ? {} : { empty_layer: true }),
        },
      ],
    };
    if (opts.author) config.author = opts.author;
    if (opts.comment) config.comment = opts.comment;
    if (opts.containerId) config.container = opts.containerId;
    const layers = layer ? [...below, layer] : below;
    const rec = (await registerImage(ctx, Buffer.from(JSON.stringify(config)), layers, opts.tags ?? [], { parent: base?.id })).record;
    if (opts.event) publishImageEvent(ctx, opts.event, rec.id, opts.tags?.[0]);
    return rec;
  } finally {
    if (layer) ctx.layers.unpin(layer.chainId);
  }
}

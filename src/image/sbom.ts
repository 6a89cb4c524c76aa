/** `berth sbom` and `berth scan`: an image's packages, read from its layers, as an SBOM or matched to advisories. */
import { BERTH_VERSION } from '../base/version';
import { InternalError, InvalidArgumentError } from '../base/errors';
import { collectImageFiles } from '../sbom/collect';
import { catalog, wantedPath, type Catalog } from '../sbom/catalog';
import { SBOM_FORMATS, toCycloneDx, toSpdx, type SbomFormat } from '../sbom/formats';
import { matchAdvisories, parseOsv, type ScanReport } from '../sbom/osv';
import type { ImageContext } from './image-context';
import { openLayerTar } from './layer-content';
import type { ImageRecord } from './types';

export async function catalogImage(ctx: ImageContext, ref: string): Promise<{ image: ImageRecord; catalog: Catalog }> {
  const image = ctx.store.resolve(ref);
  const layers = image.chainIds.map((chainId) => {
    const l = ctx.layers.get(chainId);
    if (!l) throw new InternalError(`image ${image.id}: layer ${chainId} is missing from the layer store`, 'LAYER_MISSING');
    return l;
  });
  async function* tars() {
    for (const l of layers) yield await openLayerTar(ctx.blobs, l);
  }
  return { image, catalog: catalog(await collectImageFiles(tars(), wantedPath)) };
}

export async function imageSbom(ctx: ImageContext, ref: string, format: string, now = new Date()): Promise<Record<string, unknown>> {
  if (!(SBOM_FORMATS as readonly string[]).includes(format)) throw new InvalidArgumentError(`unknown SBOM format "${format}": use ${SBOM_FORMATS.join(' or ')}`);
  const { image, catalog: c } = await catalogImage(ctx, ref);
  const subject = { name: image.repoTags[0] ?? ref, id: image.id };
  const meta = { tool: `berth-${BERTH_VERSION}`, created: now };
  return (format as SbomFormat) === 'spdx-json' ? toSpdx(c, subject, meta) : toCycloneDx(c, subject, meta);
}

/** Matches the image's packages against an OSV advisory file's text. */
export async function scanImage(ctx: ImageContext, ref: string, advisories: string): Promise<ScanReport> {
  const records = parseOsv(advisories);
  const { image, catalog: c } = await catalogImage(ctx, ref);
  return {
    image: image.id,
    ...(c.distro ? { distro: `${c.distro.id}${c.distro.versionId ? ` ${c.distro.versionId}` : ''}` } : {}),
    packages: c.packages.length,
    findings: matchAdvisories(c, records),
  };
}

/**
 * SBOM documents: SPDX 2.3 JSON and CycloneDX 1.5 JSON, the two formats scanners and registries read.
 * Both are written from the catalog alone; `created` and the document ids are inputs so output is testable.
 */
import { createHash } from 'node:crypto';
import type { Catalog, Package } from './catalog';

export type SbomFormat = 'spdx-json' | 'cyclonedx-json';
export const SBOM_FORMATS: readonly SbomFormat[] = ['spdx-json', 'cyclonedx-json'];

export interface SbomSubject {
  /** the name the user gave ("app:1") */
  name: string;
  /** the image id (sha256:...) */
  id: string;
}

export interface SbomMeta {
  tool: string; // "berth-0.1.0"
  created: Date;
}

/** SPDX ids allow only [A-Za-z0-9.-]: a short hash keeps them unique and stable across runs. */
function spdxId(p: Package): string {
  const h = createHash('sha256').update(`${p.purl}\0${p.location}`).digest('hex').slice(0, 16);
  return `SPDXRef-Package-${p.type}-${p.name.replace(/[^A-Za-z0-9.-]/g, '-')}-${h}`;
}

export function toSpdx(c: Catalog, subject: SbomSubject, meta: SbomMeta): Record<string, unknown> {
  const imageRef = 'SPDXRef-Image';
  const created = meta.created.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: subject.name,
    documentNamespace: `https://berth.dev/spdx/${encodeURIComponent(subject.name)}-${subject.id.replace(/^sha256:/, '')}-${created}`,
    creationInfo: { created, creators: [`Tool: ${meta.tool}`] },
    packages: [
      {
        name: subject.name,
        SPDXID: imageRef,
        versionInfo: subject.id,
        downloadLocation: 'NOASSERTION',
        filesAnalyzed: false,
        primaryPackagePurpose: 'CONTAINER',
        ...(c.distro ? { comment: `distro: ${c.distro.prettyName ?? `${c.distro.id} ${c.distro.versionId ?? ''}`.trim()}` } : {}),
      },
      ...c.packages.map((p) => ({
        name: p.name,
        SPDXID: spdxId(p),
        versionInfo: p.version,
        downloadLocation: 'NOASSERTION',
        filesAnalyzed: false,
        ...(p.supplier ? { supplier: `Organization: ${p.supplier}` } : {}),
        ...(p.source && p.source !== p.name ? { sourceInfo: `built from source package ${p.source}` } : {}),
        licenseConcluded: 'NOASSERTION',
        licenseDeclared: 'NOASSERTION',
        copyrightText: 'NOASSERTION',
        externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: p.purl }],
        comment: `found in /${p.location}`,
      })),
    ],
    relationships: [
      { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: imageRef },
      ...c.packages.map((p) => ({ spdxElementId: imageRef, relationshipType: 'CONTAINS', relatedSpdxElement: spdxId(p) })),
    ],
  };
}

export function toCycloneDx(c: Catalog, subject: SbomSubject, meta: SbomMeta): Record<string, unknown> {
  // a UUID derived from the image and time, so two runs at the same instant agree
  const h = createHash('sha256').update(`${subject.id}\0${meta.created.toISOString()}`).digest('hex');
  const uuid = `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  const [toolName, toolVersion] = meta.tool.split('-');
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    serialNumber: `urn:uuid:${uuid}`,
    version: 1,
    metadata: {
      timestamp: meta.created.toISOString(),
      tools: { components: [{ type: 'application', name: toolName, ...(toolVersion ? { version: toolVersion } : {}) }] },
      component: { type: 'container', 'bom-ref': subject.id, name: subject.name, version: subject.id },
    },
    components: [
      ...(c.distro ? [{ type: 'operating-system', 'bom-ref': `os:${c.distro.id}`, name: c.distro.id, ...(c.distro.versionId ? { version: c.distro.versionId } : {}) }] : []),
      ...c.packages.map((p) => ({
        type: 'library',
        'bom-ref': `${p.purl}#${p.location}`,
        name: p.name,
        version: p.version,
        purl: p.purl,
        ...(p.license ? { licenses: [{ expression: p.license }] } : {}),
        properties: [{ name: 'berth:location', value: `/${p.location}` }, ...(p.source ? [{ name: 'berth:source', value: p.source }] : [])],
      })),
    ],
  };
}

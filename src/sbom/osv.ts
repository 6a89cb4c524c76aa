/**
 * Matching a catalog against an offline advisory file in the OSV format (https://ossf.github.io/osv-schema/):
 * one OSV object, an array of them, or `{"vulns": [...]}` (the OSV API's shape).
 */
import { InvalidArgumentError } from '../base/errors';
import type { Catalog, Ecosystem, Package } from './catalog';
import { compareVersions } from './versions';

interface OsvEvent {
  introduced?: string;
  fixed?: string;
  last_affected?: string;
  limit?: string;
}
interface OsvAffected {
  package?: { ecosystem?: string; name?: string; purl?: string };
  ranges?: Array<{ type?: string; events?: OsvEvent[] }>;
  versions?: string[];
}
export interface OsvRecord {
  id: string;
  summary?: string;
  aliases?: string[];
  affected?: OsvAffected[];
  severity?: Array<{ type?: string; score?: string }>;
  database_specific?: { severity?: string };
}

export interface Finding {
  id: string;
  package: string;
  type: Ecosystem;
  installed: string;
  /** the first fixed version the advisory names, if any */
  fixedIn?: string;
  severity?: string;
  summary?: string;
  aliases?: string[];
  purl: string;
  location: string;
}

export interface ScanReport {
  image: string;
  distro?: string;
  packages: number;
  findings: Finding[];
}

export function parseOsv(text: string): OsvRecord[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InvalidArgumentError(`advisory database is not JSON: ${(e as Error).message}`);
  }
  const list = Array.isArray(doc) ? doc : doc && typeof doc === 'object' && Array.isArray((doc as { vulns?: unknown }).vulns) ? (doc as { vulns: unknown[] }).vulns : [doc];
  return list.map((r, i) => {
    if (!r || typeof r !== 'object' || typeof (r as { id?: unknown }).id !== 'string') throw new InvalidArgumentError(`advisory database: entry ${i} is not an OSV record (no "id")`);
    return r as OsvRecord;
  });
}

/** OSV ecosystem names ("Debian:12", "Alpine:v3.19", "npm", "PyPI", "crates.io", "Go") → ours. */
function ecosystemOf(osv: string | undefined): Ecosystem | undefined {
  const base = (osv ?? '').split(':')[0]!.toLowerCase();
  const map: Record<string, Ecosystem> = { debian: 'deb', ubuntu: 'deb', alpine: 'apk', npm: 'npm', pypi: 'pypi', 'crates.io': 'cargo', go: 'golang' };
  return map[base];
}

/** "Debian:12" applies to distro version 12 only; a bare "Debian" to all. */
function releaseMatches(osv: string | undefined, c: Catalog): boolean {
  const rel = (osv ?? '').split(':')[1];
  if (!rel || !c.distro?.versionId) return true;
  const want = rel.replace(/^v/, '');
  const have = c.distro.versionId;
  return have === want || have.startsWith(`${want}.`);
}

function affects(a: OsvAffected, p: Package): { hit: boolean; fixedIn?: string } {
  if (a.versions?.includes(p.version)) return { hit: true };
  for (const r of a.ranges ?? []) {
    if (r.type === 'GIT') continue; // commit ranges need the source tree
    // events in order: a version is affected after an "introduced" and before the next "fixed"/"last_affected"
    let affected = false;
    let fixedIn: string | undefined;
    const events = [...(r.events ?? [])].sort((x, y) => cmpEvent(p.type, x, y));
    for (const e of events) {
      if (e.introduced !== undefined && (e.introduced === '0' || compareVersions(p.type, p.version, e.introduced) >= 0)) affected = true;
      if (e.fixed !== undefined && compareVersions(p.type, p.version, e.fixed) >= 0) affected = false;
      if (e.last_affected !== undefined && compareVersions(p.type, p.version, e.last_affected) > 0) affected = false;
      if (e.limit !== undefined && compareVersions(p.type, p.version, e.limit) >= 0) affected = false;
      if (e.fixed !== undefined && fixedIn === undefined && compareVersions(p.type, p.version, e.fixed) < 0) fixedIn = e.fixed;
    }
    if (affected) return { hit: true, ...(fixedIn ? { fixedIn } : {}) };
  }
  return { hit: false };
}

function cmpEvent(eco: Ecosystem, x: OsvEvent, y: OsvEvent): number {
  const v = (e: OsvEvent) => e.introduced ?? e.fixed ?? e.last_affected ?? e.limit ?? '0';
  if (v(x) === '0') return -1;
  if (v(y) === '0') return 1;
  return compareVersions(eco, v(x), v(y));
}

function severityOf(r: OsvRecord): string | undefined {
  return r.database_specific?.severity ?? r.severity?.[0]?.score;
}

export function matchAdvisories(c: Catalog, advisories: OsvRecord[]): Finding[] {
  const out: Finding[] = [];
  for (const r of advisories) {
    for (const a of r.affected ?? []) {
      const eco = ecosystemOf(a.package?.ecosystem);
      if (!eco || !a.package?.name) continue;
      for (const p of c.packages) {
        if (p.type !== eco) continue;
        // distro advisories name the source package; a binary package built from it is affected too
        if (p.name !== a.package.name && p.source !== a.package.name) continue;
        if ((eco === 'deb' || eco === 'apk') && !releaseMatches(a.package.ecosystem, c)) continue;
        const { hit, fixedIn } = affects(a, p);
        if (!hit) continue;
        const sev = severityOf(r);
        out.push({
          id: r.id,
          package: p.name,
          type: p.type,
          installed: p.version,
          ...(fixedIn ? { fixedIn } : {}),
          ...(sev ? { severity: sev } : {}),
          ...(r.summary ? { summary: r.summary } : {}),
          ...(r.aliases?.length ? { aliases: r.aliases } : {}),
          purl: p.purl,
          location: p.location,
        });
      }
    }
  }
  return out.sort((x, y) => x.package.localeCompare(y.package) || x.id.localeCompare(y.id));
}

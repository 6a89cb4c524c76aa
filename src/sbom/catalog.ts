/**
 * Catalogers: the packages an image holds, read from the package managers' own records (dpkg status, apk's
 * installed db) and from language lock files anywhere in the image. Pure functions of the collected files.
 */
import { type ImageFiles } from './collect';

export type Ecosystem = 'deb' | 'apk' | 'npm' | 'pypi' | 'cargo' | 'golang';

export interface Package {
  name: string;
  version: string;
  type: Ecosystem;
  /** package URL (purl spec), the id scanners match on */
  purl: string;
  /** the file it was found in, without a leading slash */
  location: string;
  arch?: string;
  /** source package (deb) or origin (apk), which advisories often name */
  source?: string;
  license?: string;
  supplier?: string;
}

export interface Distro {
  id: string; // "debian", "alpine"
  versionId?: string; // "12", "3.19.1"
  prettyName?: string;
}

export interface Catalog {
  distro?: Distro;
  packages: Package[];
}

const LOCK_FILES = /(^|\/)(package-lock\.json|npm-shrinkwrap\.json|requirements\.txt|Cargo\.lock|go\.mod)$/;

/** The paths the catalogers read: pass to collectImageFiles. */
export function wantedPath(p: string): boolean {
  if (p === 'etc/os-release' || p === 'usr/lib/os-release') return true;
  if (p === 'var/lib/dpkg/status' || p.startsWith('var/lib/dpkg/status.d/')) return true;
  if (p === 'lib/apk/db/installed') return true;
  // a dependency's own lock file inside node_modules is not what the image installed
  return LOCK_FILES.test(p) && !p.includes('/node_modules/');
}

export function catalog(files: ImageFiles): Catalog {
  const distro = readOsRelease(files);
  const packages = [
    ...dpkgPackages(files, distro),
    ...apkPackages(files, distro),
    ...lockFilePackages(files),
  ];
  return { ...(distro ? { distro } : {}), packages };
}

export function readOsRelease(files: ImageFiles): Distro | undefined {
  const text = (files.read('etc/os-release') ?? files.read('usr/lib/os-release'))?.toString('utf8');
  if (!text) return undefined;
  const kv = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) kv.set(m[1]!, m[2]!.replace(/^(["'])(.*)\1$/, '$2'));
  }
  const id = kv.get('ID');
  if (!id) return undefined;
  return { id, ...(kv.get('VERSION_ID') ? { versionId: kv.get('VERSION_ID') } : {}), ...(kv.get('PRETTY_NAME') ? { prettyName: kv.get('PRETTY_NAME') } : {}) };
}

/** RFC 822-style paragraphs (dpkg's status): continuation lines start with a space and are joined. */
export function paragraphs(text: string): Array<Map<string, string>> {
  const out: Array<Map<string, string>> = [];
  let cur = new Map<string, string>();
  let last = '';
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      if (cur.size) out.push(cur);
      cur = new Map();
      continue;
    }
    if (/^\s/.test(line) && last) {
      cur.set(last, `${cur.get(last)}\n${line.trim()}`);
      continue;
    }
    const i = line.indexOf(':');
    if (i < 0) continue;
    last = line.slice(0, i);
    cur.set(last, line.slice(i + 1).trim());
  }
  if (cur.size) out.push(cur);
  return out;
}

function purl(type: string, namespace: string | undefined, name: string, version: string, qualifiers: Record<string, string | undefined> = {}): string {
  const q = Object.entries(qualifiers)
    .filter((e): e is [string, string] => !!e[1])
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('&');
  const ns = namespace ? `${namespace.split('/').map(encodeURIComponent).join('/')}/` : '';
  return `pkg:${type}/${ns}${encodeURIComponent(name).replace(/%40/g, '@')}@${encodeURIComponent(version)}${q ? `?${q}` : ''}`;
}

function distroQualifier(d: Distro | undefined): string | undefined {
  return d ? `${d.id}-${d.versionId ?? ''}`.replace(/-$/, '') : undefined;
}

export function dpkgPackages(files: ImageFiles, distro?: Distro): Package[] {
  const sources: Array<[string, Buffer]> = [];
  const status = files.read('var/lib/dpkg/status');
  if (status) sources.push(['var/lib/dpkg/status', status]);
  // distroless images keep one file per package here instead
  sources.push(...files.matching(/^var\/lib\/dpkg\/status\.d\/[^/]+$/).filter(([p]) => !p.endsWith('.md5sums')));
  const out: Package[] = [];
  for (const [location, data] of sources) {
    for (const p of paragraphs(data.toString('utf8'))) {
      const name = p.get('Package');
      const version = p.get('Version');
      const state = p.get('Status');
      if (!name || !version) continue;
      if (state && !/\sinstalled$/.test(state)) continue; // config-files, half-installed: not on disk
      const arch = p.get('Architecture');
      const source = p.get('Source')?.replace(/\s*\(.*\)$/, '');
      const ns = distro?.id ?? 'debian';
      out.push({
        name,
        version,
        type: 'deb',
        purl: purl('deb', ns, name, version, { arch, distro: distroQualifier(distro), upstream: source && source !== name ? source : undefined }),
        location,
        ...(arch ? { arch } : {}),
        ...(source ? { source } : {}),
        ...(p.get('Maintainer') ? { supplier: p.get('Maintainer') } : {}),
      });
    }
  }
  return out;
}

export function apkPackages(files: ImageFiles, distro?: Distro): Package[] {
  const data = files.read('lib/apk/db/installed');
  if (!data) return [];
  const out: Package[] = [];
  // apk's db: "K:value" lines, a blank line between packages
  for (const block of data.toString('utf8').split(/\n\s*\n/)) {
    const kv = new Map<string, string>();
    for (const line of block.split('\n')) if (line[1] === ':' && !kv.has(line[0]!)) kv.set(line[0]!, line.slice(2));
    const name = kv.get('P');
    const version = kv.get('V');
    if (!name || !version) continue;
    const arch = kv.get('A');
    const origin = kv.get('o');
    out.push({
      name,
      version,
      type: 'apk',
      purl: purl('apk', distro?.id ?? 'alpine', name, version, { arch, distro: distroQualifier(distro), upstream: origin && origin !== name ? origin : undefined }),
      location: 'lib/apk/db/installed',
      ...(arch ? { arch } : {}),
      ...(origin ? { source: origin } : {}),
      ...(kv.get('L') ? { license: kv.get('L') } : {}),
    });
  }
  return out;
}

export function lockFilePackages(files: ImageFiles): Package[] {
  const out: Package[] = [];
  for (const [location, data] of files.matching(LOCK_FILES)) {
    const text = data.toString('utf8');
    const file = location.slice(location.lastIndexOf('/') + 1);
    const add = (type: Ecosystem, name: string, version: string, ns?: string) =>
      out.push({ name: ns ? `${ns}/${name}` : name, version, type, purl: purl(type, ns, name, version), location });
    if (file === 'package-lock.json' || file === 'npm-shrinkwrap.json') {
      for (const [name, version] of npmLock(text)) {
        const scoped = /^(@[^/]+)\/(.+)$/.exec(name);
        if (scoped) add('npm', scoped[2]!, version, scoped[1]!);
        else add('npm', name, version);
      }
    } else if (file === 'requirements.txt') {
      for (const line of text.split('\n')) {
        const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*===?\s*([^\s;#]+)/.exec(line);
        if (m) add('pypi', m[1]!.toLowerCase().replace(/[._]+/g, '-'), m[2]!);
      }
    } else if (file === 'Cargo.lock') {
      for (const block of text.split('[[package]]').slice(1)) {
        const name = /^name\s*=\s*"([^"]+)"/m.exec(block)?.[1];
        const version = /^version\s*=\s*"([^"]+)"/m.exec(block)?.[1];
        if (name && version) add('cargo', name, version);
      }
    } else if (file === 'go.mod') {
      for (const m of text.matchAll(/^\s*(?:require\s+)?([a-z0-9.-]+\.[a-z]{2,}\/[^\s]+)\s+(v[^\s]+)/gim)) {
        const full = m[1]!;
        const cut = full.lastIndexOf('/');
        add('golang', full.slice(cut + 1), m[2]!, full.slice(0, cut));
      }
    }
  }
  return out;
}

/** name → version of every installed package in a package-lock (lockfile v1, v2, v3). */
function npmLock(text: string): Array<[string, string]> {
  let doc: { packages?: Record<string, { version?: string; name?: string; link?: boolean }>; dependencies?: Record<string, { version?: string; dependencies?: unknown }> };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch {
    return [];
  }
  const out: Array<[string, string]> = [];
  if (doc.packages) {
    for (const [key, v] of Object.entries(doc.packages)) {
      if (!key || v.link || !v.version) continue; // "" is the project itself
      const name = v.name ?? key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
      out.push([name, v.version]);
    }
    return out;
  }
  const walk = (deps: typeof doc.dependencies) => {
    for (const [name, v] of Object.entries(deps ?? {})) {
      if (v.version) out.push([name, v.version]);
      walk(v.dependencies as typeof doc.dependencies);
    }
  };
  walk(doc.dependencies);
  return out;
}

/**
 * Version order per ecosystem, as each package manager defines it. dpkg's and apk's rules are written here
 * because no well-kept npm package implements them; npm, crates and Go use semver (the `semver` package).
 */
import semver from 'semver';
import type { Ecosystem } from './catalog';

/** dpkg's order of one non-digit character: '~' before the end of a part, letters before everything else. */
function dpkgOrder(c: string | undefined): number {
  if (c === undefined) return 0;
  if (c === '~') return -1;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

/** dpkg's verrevcmp: non-digit runs compared by dpkgOrder, digit runs numerically. */
function verrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !/\d/.test(a[i]!)) || (j < b.length && !/\d/.test(b[j]!))) {
      const ac = i < a.length && !/\d/.test(a[i]!) ? dpkgOrder(a[i]) : 0;
      const bc = j < b.length && !/\d/.test(b[j]!) ? dpkgOrder(b[j]) : 0;
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    while (i < a.length && /\d/.test(a[i]!) && j < b.length && /\d/.test(b[j]!)) {
      if (!firstDiff) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (i < a.length && /\d/.test(a[i]!)) return 1;
    if (j < b.length && /\d/.test(b[j]!)) return -1;
    if (firstDiff) return firstDiff;
  }
  return 0;
}

function splitDpkg(v: string): { epoch: number; upstream: string; revision: string } {
  const colon = v.indexOf(':');
  const epoch = colon > 0 && /^\d+$/.test(v.slice(0, colon)) ? Number(v.slice(0, colon)) : 0;
  const rest = colon > 0 ? v.slice(colon + 1) : v;
  const dash = rest.lastIndexOf('-');
  return dash > 0 ? { epoch, upstream: rest.slice(0, dash), revision: rest.slice(dash + 1) } : { epoch, upstream: rest, revision: '' };
}

export function compareDpkg(a: string, b: string): number {
  const x = splitDpkg(a);
  const y = splitDpkg(b);
  return Math.sign(x.epoch - y.epoch || verrevcmp(x.upstream, y.upstream) || verrevcmp(x.revision, y.revision));
}

/** apk suffixes: pre-releases sort below the release (rank 0 here is "no suffix"), patches above. */
const APK_SUFFIX: Record<string, number> = { alpha: -4, beta: -3, pre: -2, rc: -1, cvs: 1, svn: 2, git: 3, hg: 4, p: 5 };

function apkTokens(v: string): { nums: number[]; letter: string; suffixes: Array<[number, number]>; rev: number } {
  const m = /^(.*?)(?:-r(\d+))?$/.exec(v)!;
  const [core = '', ...sufs] = m[1]!.split('_');
  const cm = /^([\d.]*\d)?([a-z]?)$/.exec(core);
  const nums = (cm?.[1] ?? core).split('.').map((n) => Number.parseInt(n, 10) || 0);
  const suffixes = sufs.map((s): [number, number] => {
    const sm = /^([a-z]+)(\d*)$/.exec(s);
    return [APK_SUFFIX[sm?.[1] ?? ''] ?? 0, Number(sm?.[2] || 0)];
  });
  return { nums, letter: cm?.[2] ?? '', suffixes, rev: Number(m[2] ?? 0) };
}

export function compareApk(a: string, b: string): number {
  const x = apkTokens(a);
  const y = apkTokens(b);
  for (let i = 0; i < Math.max(x.nums.length, y.nums.length); i++) {
    // a missing component is lower than any present one: 1.2 < 1.2.0
    if (x.nums[i] === undefined) return -1;
    if (y.nums[i] === undefined) return 1;
    if (x.nums[i] !== y.nums[i]) return Math.sign(x.nums[i]! - y.nums[i]!);
  }
  if (x.letter !== y.letter) return x.letter < y.letter ? -1 : 1;
  for (let i = 0; i < Math.max(x.suffixes.length, y.suffixes.length); i++) {
    const [xs, xn] = x.suffixes[i] ?? [0, 0];
    const [ys, yn] = y.suffixes[i] ?? [0, 0];
    if (xs !== ys) return Math.sign(xs - ys);
    if (xn !== yn) return Math.sign(xn - yn);
  }
  return Math.sign(x.rev - y.rev);
}

/** PEP 440 in outline: release numbers, then dev < a < b < rc < (release) < post. */
export function comparePep440(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v?(\d+(?:\.\d+)*)(?:[-_.]?(a|alpha|b|beta|c|rc|pre|preview)[-_.]?(\d*))?(?:[-_.]?(post|rev|r)[-_.]?(\d*))?(?:[-_.]?dev[-_.]?(\d*))?/i.exec(v.trim());
    const rel = (m?.[1] ?? '0').split('.').map(Number);
    const preRank: Record<string, number> = { a: 1, alpha: 1, b: 2, beta: 2, c: 3, rc: 3, pre: 3, preview: 3 };
    const post = m?.[4] ? Number(m[5] || 0) + 1 : 0;
    const dev = m?.[6] !== undefined ? Number(m[6] || 0) : Infinity;
    // a bare X.devN comes before every pre-release of X
    const pre = m?.[2] ? [preRank[m[2].toLowerCase()]!, Number(m[3] || 0)] : !post && dev !== Infinity ? [0, 0] : [4, 0];
    return { rel, pre, post, dev };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < Math.max(x.rel.length, y.rel.length); i++) {
    const d = (x.rel[i] ?? 0) - (y.rel[i] ?? 0);
    if (d) return Math.sign(d);
  }
  return Math.sign(x.pre[0]! - y.pre[0]! || x.pre[1]! - y.pre[1]! || x.post - y.post || (x.dev === y.dev ? 0 : x.dev < y.dev ? -1 : 1));
}

export function compareSemver(a: string, b: string): number {
  const x = semver.coerce(a, { includePrerelease: true, loose: true })?.version ?? a;
  const y = semver.coerce(b, { includePrerelease: true, loose: true })?.version ?? b;
  const cleanX = semver.valid(a.replace(/^v/, ''), { loose: true }) ?? x;
  const cleanY = semver.valid(b.replace(/^v/, ''), { loose: true }) ?? y;
  return semver.compare(cleanX, cleanY, { loose: true });
}

export function compareVersions(eco: Ecosystem, a: string, b: string): number {
  switch (eco) {
    case 'deb':
      return compareDpkg(a, b);
    case 'apk':
      return compareApk(a, b);
    case 'pypi':
      return comparePep440(a, b);
    default:
      return compareSemver(a, b);
  }
}

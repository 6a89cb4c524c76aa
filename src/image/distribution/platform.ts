/**
 * Picks the manifest for one platform out of an OCI index / Docker manifest
 * list, with containerd's normalisation and variant rules (arm64 = arm64/v8,
 * arm/v7 also runs v6 and v5, amd64 = amd64/v1). Pure.
 */
import { InvalidArgumentError, NotFoundError } from '../../base/errors';
import type { Descriptor } from '../../protocol/oci/image';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export function hostPlatform(): Platform {
  const arch = ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' } as Record<string, string>)[process.arch] ?? process.arch;
  return normalizePlatform({ os: 'linux', architecture: arch, ...(arch === 'arm' ? { variant: 'v7' } : {}) });
}

export function normalizePlatform(p: Platform): Platform {
  const os = p.os.toLowerCase();
  let architecture = p.architecture.toLowerCase();
  let variant = p.variant?.toLowerCase() ?? '';
  switch (architecture) {
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      architecture = 'amd64';
      if (variant === 'v1') variant = '';
      break;
    case 'i386':
    case 'i686':
      architecture = '386';
      break;
    case 'aarch64':
    case 'arm64':
      architecture = 'arm64';
      if (variant === '8' || variant === 'v8') variant = '';
      break;
    case 'armhf':
      architecture = 'arm';
      variant = 'v7';
      break;
    case 'armel':
      architecture = 'arm';
      variant = 'v6';
      break;
    case 'arm':
      if (variant === '') variant = 'v7';
      else if (/^[5-8]$/.test(variant)) variant = `v${variant}`;
      break;
  }
  return variant ? { os, architecture, variant } : { os, architecture };
}

/** "linux/amd64", "linux/arm/v7" — Docker's format. */
export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

const KNOWN_OS = ['aix', 'android', 'darwin', 'dragonfly', 'freebsd', 'hurd', 'illumos', 'ios', 'js', 'linux', 'nacl', 'netbsd', 'openbsd', 'plan9', 'solaris', 'windows', 'zos'];
const KNOWN_ARCH = ['386', 'amd64', 'amd64p32', 'arm', 'armbe', 'arm64', 'arm64be', 'ppc64', 'ppc64le', 'loong64', 'mips', 'mipsle', 'mips64', 'mips64le', 'mips64p32', 'mips64p32le', 'ppc', 'riscv', 'riscv64', 's390', 's390x', 'sparc', 'sparc64', 'wasm'];

/**
 * "linux/arm64/v8" → Platform, with containerd's `platforms.Parse` rules and words (what dockerd answers a bad
 * `platform` with): a lone component is an OS (then the host's arch) or an arch (then linux).
 */
export function parsePlatform(s: string): Platform {
  const bad = (why: string) => new InvalidArgumentError(`${why}: invalid argument`, 'INVALID_PLATFORM');
  if (s.includes('*')) throw bad(`${JSON.stringify(s)}: wildcards not yet supported`);
  const parts = s.split('/');
  if (parts.length > 3) throw bad(`${JSON.stringify(s)}: cannot parse platform specifier`);
  const osVer = /^([A-Za-z0-9_-]+)(?:\(([A-Za-z0-9_.-]*)\))?$/.exec(parts[0]!);
  if (!osVer) {
    throw bad(`${JSON.stringify(parts[0])} is an invalid OS component of ${JSON.stringify(s)}: OSAndVersion specifier component must match "^([A-Za-z0-9_-]+)(?:\\(([A-Za-z0-9_.-]*)\\))?$"`);
  }
  for (const part of parts.slice(1)) {
    if (!/^[A-Za-z0-9_.-]+$/.test(part)) throw bad(`${JSON.stringify(part)} is an invalid component of ${JSON.stringify(s)}: platform specifier component must match "^[A-Za-z0-9_.-]+$"`);
  }
  const os = osVer[1]!.toLowerCase() === 'macos' ? 'darwin' : osVer[1]!.toLowerCase();
  if (parts.length === 1) {
    if (KNOWN_OS.includes(os)) return { ...hostPlatform(), os };
    const p = normalizePlatform({ os: 'linux', architecture: parts[0]! });
    if (KNOWN_ARCH.includes(p.architecture)) return p;
    throw bad(`${JSON.stringify(s)}: unknown operating system or architecture`);
  }
  return normalizePlatform({ os, architecture: parts[1]!, ...(parts[2] ? { variant: parts[2] } : {}) });
}

/** Variants `want` can run, best first (arm v7 runs v7, v6, v5). */
function compatibleVariants(want: Platform): string[] {
  if (want.architecture === 'arm') {
    const n = Number((want.variant ?? 'v7').slice(1));
    const out: string[] = [];
    for (let v = n; v >= 5; v--) out.push(`v${v}`);
    return out;
  }
  return [want.variant ?? ''];
}

/** The best matching descriptor, or undefined. Entries without a platform never match. */
export function matchPlatform(manifests: Descriptor[], wanted: Platform): Descriptor | undefined {
  const want = normalizePlatform(wanted);
  const variants = compatibleVariants(want);
  let best: { d: Descriptor; rank: number } | undefined;
  for (const d of manifests) {
    if (!d.platform) continue;
    const p = normalizePlatform(d.platform);
    if (p.os !== want.os || p.architecture !== want.architecture) continue;
    const rank = variants.indexOf(p.variant ?? (want.architecture === 'arm' ? 'v7' : ''));
    if (rank < 0) continue;
    if (!best || rank < best.rank) best = { d, rank };
  }
  return best?.d;
}

export function selectManifest(manifests: Descriptor[], wanted: Platform): Descriptor {
  const d = matchPlatform(manifests, wanted);
  if (!d) {
    const p = formatPlatform(normalizePlatform(wanted));
    throw new NotFoundError('manifest', p, `no matching manifest for ${p} in the manifest list entries`);
  }
  return d;
}

/**
 * Picks the manifest for one platform out of an OCI index / Docker manifest
 * list, with containerd's normalisation and variant rules (arm64 = arm64/v8,
 * arm/v7 also runs v6 and v5, amd64 = amd64/v1). Pure.
 */
import { NotFoundError } from '../../base/errors';
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

/** "linux/arm64/v8" → Platform; os defaults to linux when only an arch is given. */
export function parsePlatform(s: string): Platform {
  const parts = s.split('/').filter(Boolean);
  if (parts.length === 1) return normalizePlatform({ os: 'linux', architecture: parts[0]! });
  return normalizePlatform({ os: parts[0] ?? 'linux', architecture: parts[1] ?? '', ...(parts[2] ? { variant: parts[2] } : {}) });
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

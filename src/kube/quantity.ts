/** Kubernetes resource quantities ("500m", "1.5", "128Mi", "1G", "1e6") as Docker's numbers. */
import { InvalidArgumentError } from '../base/errors';

const SUFFIX: Record<string, number> = {
  '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
  m: 1e-3,
};

/** The quantity's value in base units (bytes, cores). */
export function parseQuantity(q: string | number, what: string): number {
  if (typeof q === 'number') return q;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|([kMGTPE]i?|Ki|m)?)$/.exec(q.trim());
  if (!m) throw new InvalidArgumentError(`${what}: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': "${q}"`);
  const n = Number(m[1]);
  if (m[2]) return n * 10 ** Number(m[2].slice(1));
  return n * (SUFFIX[m[3] ?? ''] ?? 1);
}

/** limits.cpu → NanoCpus. */
export const cpuToNano = (q: string | number): number => Math.round(parseQuantity(q, 'cpu') * 1e9);
/** requests.cpu → CPU shares, as the kubelet computes them (milli-CPUs × 1024 / 1000, at least 2). */
export const cpuToShares = (q: string | number): number => Math.max(2, Math.floor((parseQuantity(q, 'cpu') * 1000 * 1024) / 1000));
export const memoryToBytes = (q: string | number): number => Math.round(parseQuantity(q, 'memory'));

/** Docker's numbers back as quantities (kube generate). */
export function nanoToCpu(nano: number): string {
  const milli = Math.round(nano / 1e6);
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}
export function bytesToMemory(b: number): string {
  for (const [s, f] of [['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]] as const) if (b % f === 0) return `${b / f}${s}`;
  return String(b);
}
